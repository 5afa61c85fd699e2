import { commandRequest } from '../../platform/command';
import type { Viewer } from '../../platform/auth/identity';
import type { DeliveredEvent } from '../../platform/events/event';
import type { LoggedEvent } from '../../platform/events/outbox';
import { rebuildProjection } from '../../platform/events/projection';
import { SEED_PRODUCTS, SEED_REVIEWS, SEED_USERS } from '../../platform/seedData';
import type { SubgraphDefinition } from '../../platform/subgraph';
import { startSubgraphUnderTest, type SubgraphUnderTest } from '../../tests/support/subgraphHarness';
import { testStorageKind } from '../../tests/support/testStorage';
import { addReview } from './commands/addReview';
import { reviewsProjections } from './projections';
import { ratingSummaryProjection } from './queries/ratingSummary/ratingSummaryProjection';
import { reviewsSubgraph, type ReviewsContext } from './subgraph';
import { newId } from '../../platform/ids';
import { encodeEventCursor } from '../../platform/events/eventCursor';
import { liveWatchCount } from '../../platform/events/watchEvents';
import { createProducts, newKnownProduct } from '../../tests/support/productCatalog';

/** The reviews subgraph served in this process over real storage, called as the gateway would: its SQL, its batching, its rules, its events and its rating read model. */
describe(`reviews subgraph (${testStorageKind()})`, () => {
  const now = new Date('2026-03-01T12:00:00.000Z');
  const clock = { now: () => now };
  let reviews: SubgraphUnderTest;
  let definition: SubgraphDefinition<ReviewsContext>;
  const [admin, alice, bob] = SEED_USERS.map((user) => ({ userId: user.id, role: user.role }));

  beforeAll(async () => {
    reviews = await startSubgraphUnderTest('reviews', (db, outbox, bus) => (definition = reviewsSubgraph({ db, outbox, bus, clock })), { clock });
    // The test plays products: the seeded catalog's ProductCreated events, handled by reviews.catalog.
    await createProducts(reviews);
    // Ratings are a projection of the log, eventually consistent: bring it up to the seed's events before reading them.
    await reviews.subgraph.catchUpProjections();
  });
  afterAll(() => reviews?.stop());

  const run = (query: string, variables?: Record<string, unknown>, viewer?: Viewer) => reviews.run(query, variables, viewer);
  const counting = <T>(work: () => Promise<T>) => reviews.counting(work);
  /** Where the reviews event log ends now. */
  const logEnd = async () => Number((await reviews.db.query<{ p: string }>('select coalesce(max(position), 0) as p from reviews.outbox'))[0]!.p);
  /** The events appended after `position`, oldest first. */
  const eventsAfter = (position: number): Promise<LoggedEvent[]> => reviews.outbox.read(reviews.db, position, 1000);
  const RATING = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { rating { average count distribution { rating count } } } } }';
  /** A product's rating as the subgraph answers it, once the projection has caught up with everything committed. */
  const ratingOf = async (productId: string) => {
    await reviews.subgraph.catchUpProjections();
    return (await run(RATING, { r: [{ __typename: 'Product', id: productId }] })).data._entities[0].rating;
  };
  /** The rating summaries computed straight from `reviews.reviews`, in the read model's shape, by product. */
  const summariesFromReviews = () =>
    reviews.db.query(
      `select product_id, count(*)::int as count, sum(rating)::int as total,
              count(*) filter (where rating = 1)::int as ones, count(*) filter (where rating = 2)::int as twos,
              count(*) filter (where rating = 3)::int as threes, count(*) filter (where rating = 4)::int as fours,
              count(*) filter (where rating = 5)::int as fives
       from reviews.reviews group by product_id order by product_id`,
    );
  const summaryRows = () => reviews.db.query('select * from reviews.rating_summary order by product_id');

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
      const { errors } = await run(add, { input: { productId, rating: 4, body: 'Nice.', ...change } }, alice);
      expect(errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    });

    it('given a product id no ProductCreated named, when adding, then NOT_FOUND names input.productId and nothing is written', async () => {
      const unknown = newId();
      const count = async (sql: string) => Number((await reviews.db.query<{ n: string }>(sql))[0]!.n);
      const [rows, events] = [await count('select count(*) as n from reviews.reviews'), await count('select count(*) as n from reviews.outbox')];
      const { data, errors } = await run(add, { input: { productId: unknown, rating: 4, body: 'Nice.' } }, alice);
      expect(errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', field: 'input.productId' });
      expect(errors?.[0]?.message).toContain(unknown);
      expect(data).toBeNull();
      expect(await count('select count(*) as n from reviews.reviews')).toBe(rows);
      expect(await count('select count(*) as n from reviews.outbox')).toBe(events);
      // Once products' ProductCreated for it has been handled, the same review is accepted.
      await createProducts(reviews, [{ id: unknown }]);
      expect((await run(add, { input: { productId: unknown, rating: 4, body: 'Nice.' } }, alice)).errors).toBeUndefined();
    });

    it('given a signed-in user, when adding, then the review is stored with the clock’s time; a second one is a CONFLICT', async () => {
      const first = await run(add, { input: { productId, rating: 5, body: '  Lovely.  ' } }, bob);
      expect(first.errors).toBeUndefined();
      expect(first.data.addReview.review).toMatchObject({
        rating: 5,
        body: 'Lovely.',
        createdAt: now.toISOString(),
        author: { id: bob!.userId },
        product: { id: productId },
      });
      // The payload's rating may not count the review yet (eventually consistent); once the projection caught up it does.
      expect(await ratingOf(productId)).toMatchObject({ average: 5, count: 1 });
      const second = await run(add, { input: { productId: productId.toUpperCase(), rating: 1, body: 'Changed my mind.' } }, bob);
      expect(second.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      // Another author may still review it.
      const other = await run(add, { input: { productId, rating: 2, body: 'Meh.' } }, alice);
      expect(other.errors).toBeUndefined();
      expect(await ratingOf(productId)).toEqual({
        average: 3.5,
        count: 2,
        distribution: [
          { rating: 1, count: 0 },
          { rating: 2, count: 1 },
          { rating: 3, count: 0 },
          { rating: 4, count: 0 },
          { rating: 5, count: 1 },
        ],
      });
    });

    it('given a signed-in user, when adding, then exactly one ReviewAdded with the review as written is appended', async () => {
      const reviewed = SEED_PRODUCTS[29]!.id;
      const before = await logEnd();
      const { data, errors } = await run(add, { input: { productId: reviewed.toUpperCase(), rating: 3, body: '  Fine.  ' } }, alice);
      expect(errors).toBeUndefined();
      expect(await eventsAfter(before)).toEqual([
        {
          position: expect.any(Number),
          eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          domain: 'reviews',
          type: 'ReviewAdded',
          aggregateId: data.addReview.review.id,
          aggregateVersion: 1,
          occurredAt: now.toISOString(),
          // The harness sends no x-request-id, so the subgraph made one up; it is still there.
          correlationId: expect.stringMatching(/^\S{1,128}$/),
          causationId: null,
          data: { productId: reviewed, authorId: alice!.userId, rating: 3, body: 'Fine.' },
        },
      ]);
    });

    it('given the request id in the context, when adding, then the event is correlated with that request', async () => {
      const before = await logEnd();
      const ctx = definition.createContext(admin!, 'req-review-1');
      const review = await addReview(ctx, commandRequest(ctx, { productId: SEED_PRODUCTS[24]!.id, rating: 4, body: 'Good.' }));
      expect(await eventsAfter(before)).toEqual([
        expect.objectContaining({ type: 'ReviewAdded', aggregateId: review.id, correlationId: 'req-review-1', causationId: null }),
      ]);
    });

    it.each([
      ['a second review by the same author', { productId: SEED_REVIEWS[0]!.productId, rating: 1, body: 'Again.' }, 'CONFLICT'],
      ['an invalid rating', { productId: SEED_PRODUCTS[19]!.id, rating: 9, body: 'Too good.' }, 'BAD_USER_INPUT'],
    ])('given %s, when adding fails, then nothing is appended', async (_case, input, code) => {
      const author = SEED_REVIEWS[0]!.authorId === alice!.userId ? alice! : bob!;
      const before = await logEnd();
      expect((await run(add, { input }, author)).errors?.[0]?.extensions?.code).toBe(code);
      expect(await eventsAfter(before)).toEqual([]);
    });

    it('given two racing reviews by one author, when both are sent at once, then exactly one is stored', async () => {
      const racedId = SEED_PRODUCTS[39]!.id;
      const results = await Promise.all([1, 2, 3].map((rating) => run(add, { input: { productId: racedId, rating, body: 'Race.' } }, alice)));
      expect(results.filter((r) => !r.errors).length).toBe(1);
      expect(results.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT').length).toBe(2);
      const added = (await eventsAfter(0)).filter((e) => e.type === 'ReviewAdded' && (e.data as { productId: string }).productId === racedId);
      expect(added.map((e) => e.aggregateId)).toEqual(results.filter((r) => !r.errors).map((r) => r.data.addReview.review.id));
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

  describe('events and the rating read model', () => {
    it('given the seed, when the log is read, then it holds one ReviewAdded per seed review, once although seeding ran twice', async () => {
      const seeded = (await eventsAfter(0)).filter((e) => e.correlationId === 'seed');
      const facts = seeded.map(({ type, aggregateId, aggregateVersion, causationId, data }) => ({ type, aggregateId, aggregateVersion, causationId, data }));
      expect(facts).toEqual(
        SEED_REVIEWS.map((r) => ({
          type: 'ReviewAdded',
          aggregateId: r.id,
          aggregateVersion: 1,
          causationId: null,
          data: { productId: r.productId, authorId: r.authorId, rating: r.rating, body: r.body },
        })),
      );
    });

    it('given the seed, when a product’s rating is read, then its distribution counts each rating from 1 to 5', async () => {
      const product = SEED_PRODUCTS[0]!;
      const seeded = SEED_REVIEWS.filter((r) => r.productId === product.id);
      expect(await ratingOf(product.id)).toEqual({
        average: seeded.reduce((s, r) => s + r.rating, 0) / seeded.length,
        count: seeded.length,
        distribution: [1, 2, 3, 4, 5].map((rating) => ({ rating, count: seeded.filter((r) => r.rating === rating).length })),
      });
      // Every fifth product has no seeded reviews.
      const none = [1, 2, 3, 4, 5].map((rating) => ({ rating, count: 0 }));
      expect(await ratingOf(SEED_PRODUCTS[4]!.id)).toEqual({ average: null, count: 0, distribution: none });
    });

    it('given products, when only their ratings are read, then one statement reads the rating_summary read model and nothing else', async () => {
      const { result, statements } = await counting(() => run(RATING, { r: [...products(20), { __typename: 'Product', id: 'bad' }] }));
      expect(result.errors).toBeUndefined();
      expect(result.data._entities).toHaveLength(21);
      expect(statements).toHaveLength(1);
      expect(statements[0]).toContain('reviews.rating_summary');
      expect(statements[0]).not.toContain('reviews.reviews');
    });

    it('given every review so far, when the projection has caught up, then rating_summary equals what reviews.reviews gives directly', async () => {
      await reviews.subgraph.catchUpProjections();
      const rows = await summaryRows();
      expect(rows.length).toBeGreaterThan(0);
      expect(rows).toEqual(await summariesFromReviews());
    });

    it('given the live read model, when rebuilt from the log, then the rows are identical and a stray row is gone', async () => {
      await reviews.subgraph.catchUpProjections();
      const live = await summaryRows();
      const reviewAdded = (await eventsAfter(0)).filter((e) => e.type === 'ReviewAdded').length;
      // A row no event explains: the rebuild's reset must drop it.
      await reviews.db.query(
        `insert into reviews.rating_summary (product_id, count, total, ones, twos, threes, fours, fives)
         values ('00000000-0000-4000-8000-00000000abcd', 1, 5, 0, 0, 0, 0, 1)`,
      );
      expect(reviewsProjections).toContain(ratingSummaryProjection);
      expect(await rebuildProjection(reviews.db, reviews.outbox, ratingSummaryProjection)).toBe(reviewAdded);
      expect(await summaryRows()).toEqual(live);
      // The checkpoint sits at the log's end: the live runner applies nothing twice after a rebuild.
      await reviews.subgraph.catchUpProjections();
      expect(await summaryRows()).toEqual(live);
    });

    it('given appended events, when the relay drains, then the bus delivers each of them as logged and every row is marked sent', async () => {
      const received: DeliveredEvent[] = [];
      const subscription = await reviews.bus.subscribe({ consumer: 'reviews-test-observer', domain: 'reviews' }, async (event) => {
        received.push(event);
      });
      try {
        const { data } = await run(
          'mutation($input: AddReviewInput!) { addReview(input: $input) { review { id } } }',
          { input: { productId: SEED_PRODUCTS[14]!.id, rating: 2, body: 'Relayed.' } },
          admin,
        );
        await reviews.subgraph.drainOutbox();
        const logged = await eventsAfter(0);
        expect(logged.map((e) => e.aggregateId)).toContain(data.addReview.review.id);
        await waitFor(() => received.length >= logged.length);
        expect(received.map(({ sequence: _sequence, ...event }) => event)).toEqual(logged.map(({ position: _position, ...event }) => event));
        expect(await reviews.db.query('select position from reviews.outbox where published_at is null')).toEqual([]);
      } finally {
        await subscription.stop();
      }
    });
  });

  describe('Subscription.reviewAdded (graphql-ws)', () => {
    const REVIEW_ADDED = `subscription($productId: ID!, $after: String) { reviewAdded(productId: $productId, after: $after) {
      cursor occurredAt review { id rating body createdAt author { id } product { id } } } }`;
    const ADD = 'mutation($input: AddReviewInput!) { addReview(input: $input) { review { id } } }';
    /** Reviews `productId` as a new customer (one review per author and product); returns the review id. */
    const review = async (productId: string, rating = 4): Promise<string> => {
      const result = await run(ADD, { input: { productId, rating, body: `Rated ${rating}.` } }, { userId: newId(), role: 'CUSTOMER' });
      expect(result.errors).toBeUndefined();
      return result.data.addReview.review.id;
    };
    const idsOf = (results: ReadonlyArray<{ data?: any }>) => results.map((r) => r.data.reviewAdded.review.id);

    it('given an anonymous subscriber, when reviews are added, then those of its product arrive in order with the review, and others do not', async () => {
      const product = await newKnownProduct(reviews);
      const subscription = await reviews.subscribe(REVIEW_ADDED, { productId: product });
      expect(subscription.errors).toBeUndefined();
      await review(await newKnownProduct(reviews));
      const first = await review(product, 5);
      const second = await review(product, 2);
      await reviews.subgraph.drainOutbox();
      const results = await subscription.take(2);
      // The other product's review came first in the stream: had it passed, it would be first.
      expect(idsOf(results)).toEqual([first, second]);
      expect(results[0]!.errors).toBeUndefined();
      expect(results[0]!.data.reviewAdded).toEqual({
        cursor: expect.any(String),
        occurredAt: now.toISOString(),
        review: { id: first, rating: 5, body: 'Rated 5.', createdAt: now.toISOString(), author: { id: expect.any(String) }, product: { id: product } },
      });
      await subscription.unsubscribe();
    });

    it('given the cursor of the last review seen, when the subscriber comes back, then exactly the reviews it missed arrive, then live ones', async () => {
      const product = await newKnownProduct(reviews);
      const first = await reviews.subscribe(REVIEW_ADDED, { productId: product });
      await review(product);
      const [seen] = await first.take(1);
      await first.disconnect();
      const missed = [await review(product), await review(product), await review(product)];
      await reviews.subgraph.drainOutbox();
      const again = await reviews.subscribe(REVIEW_ADDED, { productId: product, after: seen!.data.reviewAdded.cursor });
      expect(idsOf(await again.take(3))).toEqual(missed);
      const live = await review(product);
      expect(idsOf(await again.take(4))[3]).toBe(live);
      await again.unsubscribe();
    });

    it.each([
      ['a malformed productId', { productId: 'nope' }, 'productId'],
      ['a malformed cursor', { productId: newId(), after: '%%%' }, 'after'],
      ['a cursor of another stream', { productId: newId(), after: encodeEventCursor('inventory', 2) }, 'after'],
    ])('refuses %s with BAD_USER_INPUT naming the argument, before watching anything', async (_, variables, field) => {
      const before = liveWatchCount();
      const subscription = await reviews.subscribe(REVIEW_ADDED, variables);
      expect(subscription.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field } })]);
      expect(liveWatchCount()).toBe(before);
    });
  });
});

/** Resolves once `condition` holds; fails after `timeoutMs`. */
async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
