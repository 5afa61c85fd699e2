import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';

/**
 * Proves reads are batched: the statements a deep query sends to storage are
 * bounded by its query plan, not by how many rows it touches.
 */
describe(`batching (${testStorageKind()})`, () => {
  let t: TestStack;
  beforeAll(async () => {
    // What is measured is storage statements for deep pages of any size; demand control would refuse the largest ones first.
    t = await startTestStack({ gateway: { maxCost: 1_000_000 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const deepQuery = `query Deep($n: Int!) {
    products(first: $n) {
      edges { node {
        name
        reviews(first: $n) { edges { node {
          rating
          author { reviews(first: $n) { edges { node { product { name stock } } } } }
        } } }
      } }
    }
  }`;

  /** Runs the deep query and counts the SQL statements each subgraph sent while it ran. */
  async function statementsFor(n: number): Promise<{ bySubgraph: Record<string, number>; rows: number }> {
    const bySubgraph: Record<string, number> = {};
    const stop = t.storage.onStatement(({ scope }) => {
      // Background event work (relays, projections) reports under `<subgraph>:events`; only requests count.
      if (!scope.includes(':')) bySubgraph[scope] = (bySubgraph[scope] ?? 0) + 1;
    });
    try {
      const data = await t.queryOk(deepQuery, { n });
      // Count the leaf products reached, to show the data really grows with n.
      let rows = 0;
      for (const p of data.products.edges) for (const r of p.node.reviews.edges) rows += r.node.author.reviews.edges.length;
      return { bySubgraph, rows };
    } finally {
      stop();
    }
  }

  it('sends at most one statement per subgraph per batched field in the plan, whatever `first` is', async () => {
    const small = await statementsFor(5);
    const large = await statementsFor(20);
    expect(large.rows).toBeGreaterThan(small.rows);

    // The plan: products lists products (1 statement); reviews answers Product.reviews and
    // User.reviews in one fetch (1 statement each); products resolves the leaf products' names
    // (1) and inventory their stock (1). Accounts is not needed (author is only a reference).
    const bounds = { products: 2, reviews: 2, inventory: 1 };
    for (const result of [small, large]) {
      for (const [subgraph, count] of Object.entries(result.bySubgraph)) {
        expect({ subgraph, count }).toEqual({ subgraph, count: Math.min(count, bounds[subgraph as keyof typeof bounds] ?? 0) });
      }
    }
    expect(large.bySubgraph).toEqual(small.bySubgraph);
  });
});
