import DataLoader from 'dataloader';
import type { Sql } from '../../platform/storage/database';
import { isUuid } from '../../platform/ids';
import { loadPagesByParent, pageKey, toConnection, type Connection, type Page } from '../../platform/pagination';
import type { Review } from './domain/review';
import { toReview, type ReviewRow } from './reviewRow';
import { loadRatingSummaries, type RatingSummary } from './queries/ratingSummary/ratingSummary';

/** Loads one page of a parent's reviews; calls with equal page arguments in one tick share one statement. */
export type ReviewPageLoader = (parentId: string, page: Page) => Promise<Connection<Review>>;

export interface ReviewLoaders {
  /** Reviews by id; null for an unknown or malformed id. */
  reviewById: DataLoader<string, Review | null>;
  /** A page of a product's reviews, newest first. */
  reviewsByProduct: ReviewPageLoader;
  /** A page of an author's reviews, newest first. */
  reviewsByAuthor: ReviewPageLoader;
  /**
   * A product's rating summary, from the `rating_summary` read model only
   * (eventually consistent); average null, count 0 and zero counts without reviews.
   */
  ratingByProduct: DataLoader<string, RatingSummary>;
}

/** Fresh loaders for one request, so nothing is cached across callers. */
export function createLoaders(db: Sql): ReviewLoaders {
  return {
    reviewById: new DataLoader(async (ids) => {
      // Postgres prints uuids in lower case; keys are matched the same way so an upper-case id still finds its row.
      const valid = ids.filter(isUuid).map((id) => id.toLowerCase());
      const rows = valid.length ? await db.query<ReviewRow>('select * from reviews.reviews where id = any($1::uuid[])', [valid]) : [];
      const byId = new Map(rows.map((row) => [row.id, toReview(row)]));
      return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
    }),
    reviewsByProduct: reviewPagesBy(db, 'product_id'),
    reviewsByAuthor: reviewPagesBy(db, 'author_id'),
    ratingByProduct: new DataLoader((ids) => loadRatingSummaries(db, ids)),
  };
}

/**
 * One DataLoader per distinct page (`pageKey`), each keyed by parent id, so a
 * plan step asking for the same page of many parents' reviews costs one
 * `loadPagesByParent` statement rather than one per parent.
 */
function reviewPagesBy(db: Sql, parentColumn: 'product_id' | 'author_id'): ReviewPageLoader {
  const loaders = new Map<string, DataLoader<string, Connection<Review>>>();
  return (parentId, page) => {
    const key = pageKey(page);
    let loader = loaders.get(key);
    if (!loader) {
      loader = new DataLoader(async (ids) => {
        const valid = ids.filter(isUuid).map((id) => id.toLowerCase());
        const pages = valid.length
          ? await loadPagesByParent<ReviewRow & { total_count: string }>(db, { table: 'reviews.reviews', parentColumn }, valid, page)
          : new Map<string, { rows: Array<ReviewRow & { total_count: string }>; totalCount: number }>();
        // A parent without reviews (or with a malformed id) gets an empty page, not an error.
        return ids.map((id) => {
          const entry = pages.get(id.toLowerCase());
          return toConnection(entry?.rows ?? [], page, entry?.totalCount ?? 0, toReview);
        });
      });
      loaders.set(key, loader);
    }
    return loader.load(parentId);
  };
}
