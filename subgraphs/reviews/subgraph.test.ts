import type { Viewer } from '../../platform/auth/identity';
import { SEED_PRODUCTS, SEED_REVIEWS, SEED_USERS } from '../../platform/seedData';
import { startSubgraphUnderTest, type SubgraphUnderTest } from '../../tests/support/subgraphHarness';
import { testStorageKind } from '../../tests/support/testStorage';
import { reviewsSubgraph } from './subgraph';

/** The reviews subgraph served in this process over real storage, called as the gateway would: its SQL, its batching and its rules. */
describe(`reviews subgraph (${testStorageKind()})`, () => {
  const now = new Date('2026-03-01T12:00:00.000Z');
  let reviews: SubgraphUnderTest;
  const [, alice, bob] = SEED_USERS.map((user) => ({ userId: user.id, role: user.role }));

  beforeAll(async () => {
    reviews = await startSubgraphUnderTest('reviews', (db, outbox) => reviewsSubgraph({ db, outbox, clock: { now: () => now } }));
  });
  afterAll(() => reviews?.stop());

  const run = (query: string, variables?: Record<string, unknown>, viewer?: Viewer) => reviews.run(query, variables, viewer);
  const counting = <T>(work: () => Promise<T>) => reviews.counting(work);

  const products = (n: number) => SEED_PRODUCTS.slice(0, n).map((p) => ({ __typename: 'Product', id: p.id }));
  const deep = `query($r: [_Any!]!, $n: Int) { _entities(representations: $r) { ... on Product {
    rating { average count }
    reviews(first: $n) { totalCount edges { node { rating author { id reviews(first: $n) { totalCount edges { node { product { id } } } } } } } }
  } } }`;

  it('given many products, when their reviews, ratings and authors’ reviews are asked for, then each field costs one statement', async () => {
    for (const n of [2, 20]) {
      const { result, statements } = await counting(() => run(deep, { r: products(n), n }));
      expect(result.errors).toBeUndefined();
      expect(result.data._entities).toHaveLength(n);
      // Product.reviews, Product.rating and User.reviews: one statement each, whatever n is.
      expect(statements).toHaveLength(3);
    }
  });

  it('given the seed, when a product is read, then its reviews are newest first and its rating matches', async () => {
    const product = SEED_PRODUCTS[0]!;
    const seeded = SEED_REVIEWS.filter((r) => r.productId === product.id).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const { data } = await run(deep, { r: [{ __typename: 'Product', id: product.id }], n: 10 });
    const [entity] = data._entities;
    expect(entity.reviews.totalCount).toBe(seeded.length);
    expect(entity.reviews.edges.map((e: any) => e.node.rating)).toEqual(seeded.map((r) => r.rating));
    expect(entity.rating).toEqual({ count: seeded.length, average: seeded.reduce((s, r) => s + r.rating, 0) / seeded.length });
  });

  it('given a cursor, when the next page is asked for, then it continues after it without overlap', async () => {
    const query = `query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on User {
      reviews(first: 5, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { id } } } } } }`;
    const r = [{ __typename: 'User', id: alice!.userId }];
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const { data }: { data?: any } = await run(query, { r, after });
      const page = data._entities[0].reviews;
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...page.edges.map((e: any) => e.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages += 1;
    } while (after);
    const expected = SEED_REVIEWS.filter((r) => r.authorId === alice!.userId);
    expect(new Set(seen).size).toBe(expected.length);
    expect(pages).toBe(Math.ceil(expected.length / 5));
  });

  it('given no reviews or a malformed id, when asked, then the page is empty and the average null, without touching SQL for the bad id', async () => {
    const { result, statements } = await counting(() => run(deep, { r: [{ __typename: 'Product', id: 'not-a-uuid' }], n: 3 }));
    expect(result.data._entities[0]).toEqual({ rating: { average: null, count: 0 }, reviews: { totalCount: 0, edges: [] } });
    expect(statements).toHaveLength(0);
  });

  describe('addReview', () => {
    const add = `mutation($input: AddReviewInput!) { addReview(input: $input) {
      review { id rating body createdAt author { id } product { id rating { average count } } } } }`;
    // Products whose index is 4 mod 5 have no seeded reviews.
    const productId = SEED_PRODUCTS[34]!.id;

    it('given an anonymous caller, when adding, then UNAUTHENTICATED', async () => {
      const { errors } = await run(add, { input: { productId, rating: 4, body: 'Nice.' } });
      expect(errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it.each([
      [{ rating: 0 }, 'input.rating'],
      [{ body: '' }, 'input.body'],
      [{ productId: 'nope' }, 'input.productId'],
    ])('given %j, when adding, then BAD_USER_INPUT names %s', async (change, field) => {
      const { errors } = await run(add, { input: { productId, rating: 4, body: 'Nice.', ...change } }, alice!);
      expect(errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    });

    it('given a signed-in user, when adding, then the review is stored with the clock’s time; a second one is a CONFLICT', async () => {
      const first = await run(add, { input: { productId, rating: 5, body: '  Lovely.  ' } }, bob!);
      expect(first.errors).toBeUndefined();
      expect(first.data.addReview.review).toMatchObject({
        rating: 5,
        body: 'Lovely.',
        createdAt: now.toISOString(),
        author: { id: bob!.userId },
        product: { id: productId, rating: { average: 5, count: 1 } },
      });
      const second = await run(add, { input: { productId: productId.toUpperCase(), rating: 1, body: 'Changed my mind.' } }, bob!);
      expect(second.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      // Another author may still review it.
      const other = await run(add, { input: { productId, rating: 2, body: 'Meh.' } }, alice!);
      expect(other.data.addReview.review.product.rating).toEqual({ average: 3.5, count: 2 });
    });

    it('given two racing reviews by one author, when both are sent at once, then exactly one is stored', async () => {
      const racedId = SEED_PRODUCTS[39]!.id;
      const results = await Promise.all([1, 2, 3].map((rating) => run(add, { input: { productId: racedId, rating, body: 'Race.' } }, alice!)));
      expect(results.filter((r) => !r.errors).length).toBe(1);
      expect(results.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT').length).toBe(2);
    });
  });

  it('given review ids, when resolved as entities, then one statement answers them all and unknown ids are null', async () => {
    const ids = SEED_REVIEWS.slice(0, 6).map((r) => ({ __typename: 'Review', id: r.id }));
    ids.push({ __typename: 'Review', id: '00000000-0000-4000-8000-000000000000' }, { __typename: 'Review', id: 'bad' });
    const { result, statements } = await counting(() =>
      run('query($r: [_Any!]!) { _entities(representations: $r) { ... on Review { id body } } }', { r: ids }),
    );
    expect(result.data._entities.slice(0, 6).map((r: any) => r.id)).toEqual(SEED_REVIEWS.slice(0, 6).map((r) => r.id));
    expect(result.data._entities.slice(6)).toEqual([null, null]);
    expect(statements).toHaveLength(1);
  });
});
