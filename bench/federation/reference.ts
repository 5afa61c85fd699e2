import { IN_STOCK, PRODUCTS, REVIEWS, TOP_PRODUCTS_DEFAULT_FIRST, USERS, shippingEstimate, type BenchProduct, type BenchUser } from './data';

// The answer `BENCH_QUERY` must get, built from the static data alone (no
// GraphQL, no subgraph), with keys in the query's order as GraphQL orders them.

function user(id: string): BenchUser {
  const found = USERS.find((u) => u.id === id);
  if (!found) throw new Error(`The benchmark data has a review by user "${id}", who does not exist.`);
  return found;
}

function product(upc: string): BenchProduct {
  const found = PRODUCTS.find((p) => p.upc === upc);
  if (!found) throw new Error(`The benchmark data has a review of product "${upc}", which does not exist.`);
  return found;
}

const reviewsBy = (authorId: string) => REVIEWS.filter((r) => r.authorId === authorId);
const reviewsOf = (upc: string) => REVIEWS.filter((r) => r.upc === upc);

/** `{ inStock name price shippingEstimate upc weight }`, the selection both product leaves share. */
function productFields(p: BenchProduct) {
  return { inStock: IN_STOCK[p.upc] ?? null, name: p.name, price: p.price, shippingEstimate: shippingEstimate(p), upc: p.upc, weight: p.weight };
}

/** `reviews { body id author { id name username reviews { id body product { …productFields } } } }` of a product. */
function productReviews(p: BenchProduct) {
  return reviewsOf(p.upc).map((r) => {
    const author = user(r.authorId);
    return {
      body: r.body,
      id: r.id,
      author: {
        id: author.id,
        name: author.name,
        username: author.username,
        reviews: reviewsBy(author.id).map((own) => ({ id: own.id, body: own.body, product: productFields(product(own.upc)) })),
      },
    };
  });
}

/** The full response `BENCH_QUERY` must get: `{ data: { users, topProducts } }`. */
export function referenceAnswer() {
  return {
    data: {
      users: USERS.map((u) => ({
        id: u.id,
        username: u.username,
        name: u.name,
        reviews: reviewsBy(u.id).map((r) => {
          const p = product(r.upc);
          return { id: r.id, body: r.body, product: { ...productFields(p), reviews: productReviews(p) } };
        }),
      })),
      topProducts: PRODUCTS.slice(0, TOP_PRODUCTS_DEFAULT_FIRST).map((p) => ({ ...productFields(p), reviews: productReviews(p) })),
    },
  };
}

/** What a checker says of one response. */
export type BodyVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Checks response bodies against the reference answer. A body is correct
 * when it is JSON whose `data` equals the reference's (keys in the same
 * order: GraphQL orders a response's fields as the query does) and that has
 * no `errors`; `extensions` are allowed. The texts found correct are
 * remembered, so a gateway that answers with the same bytes each time (all
 * do) costs one string comparison per response, not a parse.
 */
export class ReferenceChecker {
  private readonly expectedData: string;
  private readonly expected: unknown;
  private readonly correctTexts = new Set<string>();

  constructor(reference: { data: unknown } = referenceAnswer()) {
    this.expected = reference.data;
    this.expectedData = JSON.stringify(reference.data);
    this.correctTexts.add(JSON.stringify(reference));
  }

  check(status: number, text: string): BodyVerdict {
    if (status !== 200) return { ok: false, reason: `HTTP ${status}: ${text.slice(0, 300)}` };
    if (this.correctTexts.has(text)) return { ok: true };
    let body: { data?: unknown; errors?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return { ok: false, reason: `not JSON: ${text.slice(0, 300)}` };
    }
    if (body.errors !== undefined) return { ok: false, reason: `errors: ${JSON.stringify(body.errors).slice(0, 300)}` };
    // Same values with keys in the same order (both sides are parsed JSON, so stringifying compares exactly that).
    if (JSON.stringify(body.data) !== this.expectedData)
      return { ok: false, reason: `data differs from the reference answer: ${firstDifference(body.data, this.expected)}` };
    // Bounded: a gateway that varies its bytes (a timestamp in extensions) is parsed every time rather than grown without end.
    if (this.correctTexts.size < 16) this.correctTexts.add(text);
    return { ok: true };
  }
}

/** Where `actual` first departs from `expected` (which differ), as a path with both values, for the report. */
export function firstDifference(actual: unknown, expected: unknown, at = 'data'): string {
  if (typeof actual !== typeof expected || Array.isArray(actual) !== Array.isArray(expected) || actual === null || expected === null) {
    return `${at}: got ${JSON.stringify(actual)?.slice(0, 120)}, expected ${JSON.stringify(expected)?.slice(0, 120)}`;
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (actual.length !== expected.length) return `${at}: ${actual.length} items, expected ${expected.length}`;
    for (let i = 0; i < actual.length; i += 1) {
      if (JSON.stringify(actual[i]) !== JSON.stringify(expected[i])) return firstDifference(actual[i], expected[i], `${at}[${i}]`);
    }
    return `${at}: keys in another order`;
  }
  if (typeof actual === 'object') {
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    const keys = Object.keys(e);
    if (Object.keys(a).join() !== keys.join()) return `${at}: keys ${Object.keys(a).join(',')}, expected ${keys.join(',')}`;
    for (const key of keys) if (JSON.stringify(a[key]) !== JSON.stringify(e[key])) return firstDifference(a[key], e[key], `${at}.${key}`);
    return `${at}: keys in another order`;
  }
  return `${at}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;
}
