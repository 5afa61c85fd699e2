import type { Sql } from '../../../../platform/storage/database';
import { isUuid } from '../../../../platform/ids';

/** How many reviews gave one number of stars. */
export interface RatingCount {
  rating: number;
  count: number;
}

/** A product's ratings in sum, as the `ratingSummary` projection keeps them. */
export interface RatingSummary {
  /** Mean rating; null without reviews. */
  average: number | null;
  count: number;
  /** One entry for each rating from 1 to 5, ascending, zeros included. */
  distribution: RatingCount[];
}

/** A row of `reviews.rating_summary`. */
export interface RatingSummaryRow {
  product_id: string;
  count: number;
  total: number;
  ones: number;
  twos: number;
  threes: number;
  fours: number;
  fives: number;
}

/** The count column of each rating, 1 to 5. */
export const RATING_COLUMNS = ['ones', 'twos', 'threes', 'fours', 'fives'] as const;

/** The summary of a row; no row means no reviews: average null, count 0, every rating counted 0. */
export function toRatingSummary(row: RatingSummaryRow | undefined): RatingSummary {
  return {
    average: row && row.count > 0 ? row.total / row.count : null,
    count: row?.count ?? 0,
    distribution: RATING_COLUMNS.map((column, i) => ({ rating: i + 1, count: row?.[column] ?? 0 })),
  };
}

/**
 * The rating summaries of `productIds`, in their order, read from the
 * `rating_summary` read model alone in one statement. A malformed id reaches
 * no SQL and, like a product without reviews, gets the empty summary.
 */
export async function loadRatingSummaries(db: Sql, productIds: readonly string[]): Promise<RatingSummary[]> {
  // Postgres prints uuids in lower case; keys are matched the same way so an upper-case id still finds its row.
  const valid = productIds.filter(isUuid).map((id) => id.toLowerCase());
  const rows = valid.length
    ? await db.query<RatingSummaryRow>(
        `select product_id, count, total, ones, twos, threes, fours, fives
         from reviews.rating_summary where product_id = any($1::uuid[])`,
        [valid],
      )
    : [];
  const byId = new Map(rows.map((row) => [row.product_id, row]));
  return productIds.map((id) => toRatingSummary(byId.get(id.toLowerCase())));
}
