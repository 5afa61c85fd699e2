import { GraphQLError, parse } from 'graphql';
import { composeServices } from '@apollo/composition';
import { QueryPlanner } from '@apollo/query-planner';
import { SubscriptionPlanner, documentText, primaryVariables, validateVariables } from './subscriptionPlanner';

const reviews = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Query { review(id: ID!): Review }
  type Subscription { reviewAdded(productId: ID, minRating: Int = 1): Review! }
  type Review @key(fields: "id") { id: ID! rating: Int! product: Product! }
  type Product @key(fields: "id", resolvable: false) { id: ID! }
`);
const products = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Query { product(id: ID!): Product }
  type Product @key(fields: "id") { id: ID! name: String! }
`);

function supergraphSdl(): string {
  const composed = composeServices([
    { name: 'reviews', url: 'http://reviews.test/graphql', typeDefs: reviews },
    { name: 'products', url: 'http://products.test/graphql', typeDefs: products },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return composed.supergraphSdl;
}

function buildPlanner(): SubscriptionPlanner {
  return new SubscriptionPlanner(supergraphSdl());
}

function refusal(run: () => unknown): GraphQLError {
  try {
    run();
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
  throw new Error('Expected a GraphQLError, but nothing was thrown.');
}

describe('SubscriptionPlanner', () => {
  const planner = buildPlanner();

  it('plans the primary fetch to the owning subgraph and the rest as a sequence after it', () => {
    const plan = planner.plan(parse('subscription OnReview($p: ID) { reviewAdded(productId: $p) { rating product { name } } }'), 'OnReview');
    expect(plan).toMatchObject({
      serviceName: 'reviews',
      primaryOperationName: 'OnReview__reviews__0',
      primaryVariableNames: ['p'],
      hasRest: true,
      operationName: 'OnReview',
    });
    expect(plan.primaryOperation).toBe('subscription OnReview__reviews__0($p:ID){reviewAdded(productId:$p){rating product{__typename id}}}');
    expect(plan.eventPlan.node).toMatchObject({
      kind: 'Sequence',
      nodes: [
        { kind: 'Fetch', serviceName: 'reviews' },
        { kind: 'Sequence', nodes: [{ kind: 'Flatten', path: ['reviewAdded', 'product'], node: { kind: 'Fetch', serviceName: 'products' } }] },
      ],
    });
    expect(primaryVariables(plan, { p: 'p1', unused: 1 })).toEqual({ p: 'p1' });
  });

  it('plans a subscription served by one subgraph without a rest', () => {
    const plan = planner.plan(parse('subscription { reviewAdded { id rating } }'));
    expect(plan.hasRest).toBe(false);
    expect(plan.eventPlan.node).toMatchObject({ kind: 'Sequence', nodes: [{ kind: 'Fetch', serviceName: 'reviews' }] });
  });

  it('refuses a query with a message that says what is run here', () => {
    const error = refusal(() => planner.plan(parse('query Product { product(id: "p1") { name } }')));
    expect(error.message).toBe(
      'Only subscriptions are executed here, but the operation "Product" is a query; send queries and mutations as HTTP requests to /graphql.',
    );
    expect(error.extensions.code).toBe('BAD_REQUEST');
  });

  it('refuses a mutation document the same way', () => {
    const composed = composeServices([
      {
        name: 'reviews',
        url: 'http://reviews.test/graphql',
        typeDefs: parse(`
          extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
          type Query { review(id: ID!): Review }
          type Mutation { addReview(body: String!): Review! }
          type Review @key(fields: "id") { id: ID! }
        `),
      },
    ]);
    const withMutations = new SubscriptionPlanner(composed.supergraphSdl!);
    const error = refusal(() => withMutations.plan(parse('mutation { addReview(body: "Fine") { id } }')));
    expect(error.message).toMatch(/^Only subscriptions are executed here, but the operation is a mutation;/);
  });

  it('reports graphql-js validation errors with GRAPHQL_VALIDATION_FAILED', () => {
    const document = parse('subscription { reviewAdded { id colour } }');
    const errors = planner.validate(document);
    expect(errors.map((e) => [e.message, e.extensions.code, e.locations])).toEqual([
      ['Cannot query field "colour" on type "Review".', 'GRAPHQL_VALIDATION_FAILED', [{ line: 1, column: 33 }]],
    ]);
    expect(refusal(() => planner.plan(document)).message).toBe('Cannot query field "colour" on type "Review".');
  });

  it('refuses a subscription with more than one root field', () => {
    const error = refusal(() => planner.plan(parse('subscription Two { a: reviewAdded { id } b: reviewAdded { id } }')));
    expect(error.message).toBe('Subscription "Two" must select only one top level field.');
  });

  it('picks the named operation and refuses an unknown or missing name', () => {
    const document = parse('query Q { review(id: "r1") { id } } subscription S { reviewAdded { id } }');
    expect(planner.plan(document, 'S').serviceName).toBe('reviews');
    expect(refusal(() => planner.plan(document, 'Nope'))).toMatchObject({
      message: 'Unknown operation named "Nope".',
      extensions: { code: 'OPERATION_RESOLUTION_FAILURE' },
    });
    expect(refusal(() => planner.plan(document)).message).toBe('Must provide operation name if query contains multiple operations.');
  });

  it('checks variables against the operation', () => {
    const plan = planner.plan(parse('subscription ($p: ID!, $min: Int) { reviewAdded(productId: $p, minRating: $min) { id } }'));
    expect(validateVariables(plan, { p: 'p1', min: 3 })).toEqual([]);
    expect(validateVariables(plan, { min: 'three' }).map((e) => [e.message, e.extensions.code])).toEqual([
      ['Variable "$p" of required type "ID!" was not provided.', 'BAD_USER_INPUT'],
      ['Variable "$min" got invalid value "three"; Int cannot represent non-integer value: "three"', 'BAD_USER_INPUT'],
    ]);
  });
});

describe('SubscriptionPlanner plan cache', () => {
  const ON_REVIEW = 'subscription A($p: ID) { reviewAdded(productId: $p) { rating product { name } } } subscription B { reviewAdded { rating } }';

  it('given a document planned once, when the same document and operation name are planned again, then the cached plan is returned and the query planner is not asked again', () => {
    const planner = buildPlanner();
    const build = jest.spyOn(QueryPlanner.prototype, 'buildQueryPlan');
    try {
      const document = parse(ON_REVIEW);
      const first = planner.plan(document, 'A');
      const calls = build.mock.calls.length;
      expect(planner.plan(document, 'A')).toBe(first);
      expect(build.mock.calls.length).toBe(calls);
    } finally {
      build.mockRestore();
    }
  });

  it('given one document with two operations, or two documents, then their plans are not confused', () => {
    const planner = buildPlanner();
    const document = parse(ON_REVIEW);
    const a = planner.plan(document, 'A');
    const b = planner.plan(document, 'B');
    expect(b).not.toBe(a);
    expect([a.hasRest, b.hasRest]).toEqual([true, false]);
    expect(planner.plan(document, 'A')).toBe(a);
    // The same text parsed again is another document: planned on its own (the pipeline hands out one document per text).
    const again = planner.plan(parse(ON_REVIEW), 'B');
    expect(again).not.toBe(b);
    expect(again.primaryOperation).toBe(b.primaryOperation);
  });

  it('given a cache of one document, when another is planned, then the first is planned afresh next time', () => {
    const planner = new SubscriptionPlanner(supergraphSdl(), { planCacheSize: 1 });
    const first = parse('subscription { reviewAdded { rating } }');
    const plan = planner.plan(first);
    planner.plan(parse('subscription { reviewAdded { product { name } } }'));
    expect(planner.plan(first)).not.toBe(plan);
  });

  it('given an operation that cannot be planned, then the refusal is the same each time', () => {
    const planner = buildPlanner();
    const document = parse(ON_REVIEW);
    expect(refusal(() => planner.plan(document, 'C')).extensions.code).toBe('OPERATION_RESOLUTION_FAILURE');
    expect(refusal(() => planner.plan(document, 'C')).extensions.code).toBe('OPERATION_RESOLUTION_FAILURE');
  });

  it('given a document, then documentText prints it once and returns the same text', () => {
    const document = parse('subscription   { reviewAdded { rating } }');
    expect(documentText(document)).toBe('subscription {\n  reviewAdded {\n    rating\n  }\n}');
    expect(documentText(document)).toBe(documentText(document));
  });
});
