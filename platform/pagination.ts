import { badInput } from './errors';
import type { Sql } from './storage/database';
import { isUuid } from './ids';

/** Arguments of a Relay connection field. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** A validated page request: `after` decoded to the keyset position it names. */
export interface Page {
  first: number;
  after: { createdAt: Date; id: string } | null;
}

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

/** Default page size when `first` is omitted. */
export const DEFAULT_PAGE_SIZE = 20;
/** Largest `first` a client may ask for. */
export const MAX_PAGE_SIZE = 100;

/**
 * Every connection is ordered by (created_at, id), newest first, and its
 * cursors encode that position, so pages stay stable while rows are added.
 */
export function encodeCursor(row: { created_at: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.created_at.toISOString(), row.id])).toString('base64url');
}

/** Validates `first` and `after`; errors name the argument (`first`, `after`) so clients can point at it. */
export function parsePage(args: PageArgs): Page {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput('first', `"first" must be an integer from 0 to ${MAX_PAGE_SIZE}, got ${first}.`);
  }
  if (args.after == null) return { first, after: null };
  try {
    const decoded: unknown = JSON.parse(Buffer.from(args.after, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === 2 && typeof decoded[0] === 'string' && isUuid(decoded[1])) {
      const createdAt = new Date(decoded[0]);
      if (!Number.isNaN(createdAt.getTime())) return { first, after: { createdAt, id: decoded[1] } };
    }
  } catch {
    // Falls through to the error below.
  }
  throw badInput('after', `"after" must be a cursor returned by this connection, got "${args.after}".`);
}

/** A stable key for grouping requests with equal page arguments into one batch. */
export function pageKey(page: Page): string {
  return `${page.first}:${page.after ? encodeCursor({ created_at: page.after.createdAt, id: page.after.id }) : ''}`;
}

type PagedRow = { created_at: Date; id: string; total_count: number | string };

/** Builds a connection from rows fetched with one extra row (`first + 1`) to tell whether a next page exists. */
export function toConnection<R extends PagedRow, T>(rows: R[], page: Page, totalCount: number, toNode: (row: R) => T): Connection<T> {
  const visible = rows.slice(0, page.first);
  const edges = visible.map((row) => ({ cursor: encodeCursor(row), node: toNode(row) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > page.first,
      hasPreviousPage: page.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount,
  };
}

/**
 * Loads one page of `table` for each parent key in ONE statement: the window
 * functions count and number each parent's rows, so 20 parents cost one
 * round trip, not 20. `table` and `parentColumn` are trusted identifiers from
 * the caller's code, never user input; `where` is an optional extra condition
 * on `t` using no parameters. The returned map is keyed by the parent key as
 * Postgres prints it (UUIDs in lower case).
 */
export async function loadPagesByParent<R extends PagedRow>(
  sql: Sql,
  options: { table: string; parentColumn: string; parentType?: 'uuid' | 'text'; where?: string },
  parentKeys: readonly string[],
  page: Page,
): Promise<Map<string, { rows: R[]; totalCount: number }>> {
  const { table, parentColumn, parentType = 'uuid', where } = options;
  const filter = `t.${parentColumn} = any($1::${parentType}[])${where ? ` and (${where})` : ''}`;
  // Totals are taken before `after` narrows the rows; a parent with no rows on this page still gets its total.
  const rows = await sql.query<R & { parent_key: string; page_row: string | null }>(
    `with totals as (
       select t.${parentColumn}::text as parent_key, count(*) as total_count
       from ${table} t where ${filter} group by 1
     ), paged as (
       select t.*, t.${parentColumn}::text as page_parent,
              row_number() over (partition by t.${parentColumn} order by t.created_at desc, t.id desc) as page_row
       from ${table} t
       where ${filter} and ($2::timestamptz is null or (t.created_at, t.id) < ($2::timestamptz, $3::uuid))
     )
     select paged.*, totals.parent_key, totals.total_count
     from totals left join paged on paged.page_parent = totals.parent_key and paged.page_row <= $4
     order by totals.parent_key, paged.page_row`,
    [parentKeys, page.after?.createdAt ?? null, page.after?.id ?? null, page.first + 1],
  );
  const byParent = new Map<string, { rows: R[]; totalCount: number }>();
  for (const row of rows) {
    const entry = byParent.get(row.parent_key) ?? { rows: [], totalCount: Number(row.total_count) };
    if (row.page_row !== null) entry.rows.push(row);
    byParent.set(row.parent_key, entry);
  }
  return byParent;
}
