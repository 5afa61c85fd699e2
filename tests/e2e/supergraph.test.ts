import { SignJWT, generateKeyPair } from 'jose';
import { ManualClock } from '../support/manualClock';
import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { eventually } from '../support/eventually';

/** The whole stack over real HTTP: one query across all five subgraphs, a customer's journey, and the error contract. */
describe(`supergraph end to end (${testStorageKind()})`, () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers one query with fields from all five subgraphs', async () => {
    const alice = await t.logIn('alice@example.com', 'alice-password');
    const data = await t.queryOk(
      `{
        me { name email role orders(first: 5) { totalCount edges { node { status total { amount currency } } } } reviews(first: 1) { totalCount } }
        products(first: 3, filter: { category: "books" }) {
          totalCount
          edges { node { name sku price { amount currency } stock inStock shippingEstimate rating { average count } reviews(first: 2) { edges { node { rating author { name } } } } } }
        }
      }`,
      undefined,
      alice,
    );
    expect(data.me).toMatchObject({ name: 'Alice Customer', email: 'alice@example.com', role: 'CUSTOMER' });
    expect(data.me.orders.totalCount).toBeGreaterThan(0);
    expect(data.me.reviews.totalCount).toBeGreaterThan(0);
    expect(data.products.totalCount).toBe(8);
    const first = data.products.edges[0].node;
    expect(typeof first.stock).toBe('number');
    expect(typeof first.shippingEstimate).toBe('number');
    expect(first.rating.count).toBeGreaterThanOrEqual(0);
  });

  it('lets a new user sign up, log in, place an order and read it back', async () => {
    const email = `carol.${Date.now()}@example.com`;
    const signUp = await t.queryOk(`mutation($input: SignUpInput!) { signUp(input: $input) { token expiresAt user { id email name role } } }`, {
      input: { email, name: 'Carol', password: 'carol-password-1' },
    });
    expect(signUp.signUp.user).toMatchObject({ email, name: 'Carol', role: 'CUSTOMER' });
    const token = await t.logIn(email, 'carol-password-1');

    const product = SEED_PRODUCTS[0]!;
    await t.settle();
    const stockBefore: number = (await t.queryOk(`query($id: ID!) { product(id: $id) { stock } }`, { id: product.id })).product.stock;
    const placed = await t.queryOk(
      `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id status total { amount currency } lines { quantity unitPrice { amount } product { id } } } } }`,
      { input: { lines: [{ productId: product.id, quantity: 2 }] } },
      token,
    );
    const order = placed.placeOrder.order;
    expect(order.status).toBe('PENDING');
    expect(order.total).toEqual({ amount: product.priceAmount * 2, currency: 'USD' });
    expect(order.lines).toEqual([{ quantity: 2, unitPrice: { amount: product.priceAmount }, product: { id: product.id } }]);

    // The saga confirms the order through events; the history is a read model that follows.
    let me: any;
    await eventually(async () => {
      me = await t.queryOk(`{ me { orders { totalCount edges { node { id status lines { product { name stock } } } } } } }`, undefined, token);
      return me.me.orders.edges[0]?.node.status === 'CONFIRMED';
    }, 'the order confirmed in the history');
    await t.settle();
    me = await t.queryOk(`{ me { orders { totalCount edges { node { id status lines { product { name stock } } } } } } }`, undefined, token);
    expect(me.me.orders.totalCount).toBe(1);
    expect(me.me.orders.edges[0].node).toEqual({
      id: order.id,
      status: 'CONFIRMED',
      lines: [{ product: { name: product.name, stock: stockBefore - 2 } }],
    });

    // Another customer can neither read the order nor cancel it.
    const bob = await t.logIn('bob@example.com', 'bob-password');
    const peek = await t.query(`query($id: ID!) { order(id: $id) { id status } }`, { id: order.id }, bob);
    expect(peek.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(peek.data?.order ?? null).toBeNull();
    const cancelByBob = await t.query(
      `mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { order { status } } }`,
      { input: { orderId: order.id } },
      bob,
    );
    expect(cancelByBob.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // The owner can cancel it once; a second cancel is a conflict.
    const cancelled = await t.queryOk(
      `mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { order { status } } }`,
      { input: { orderId: order.id } },
      token,
    );
    expect(cancelled.cancelOrder.order.status).toBe('CANCELLED');
    const again = await t.query(
      `mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { order { status } } }`,
      { input: { orderId: order.id } },
      token,
    );
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('answers bad input with BAD_USER_INPUT naming the field', async () => {
    const alice = await t.logIn('alice@example.com', 'alice-password');
    const cases: Array<[string, Record<string, unknown>, string]> = [
      [
        'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }',
        { input: { lines: [{ productId: SEED_PRODUCTS[0]!.id, quantity: 0 }] } },
        'input.lines.0.quantity',
      ],
      [
        'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }',
        { input: { lines: [{ productId: 'not-a-uuid', quantity: 1 }] } },
        'input.lines.0.productId',
      ],
      [
        'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }',
        { input: { lines: Array.from({ length: 51 }, (_, i) => ({ productId: SEED_PRODUCTS[i % 40]!.id, quantity: 1 })) } },
        'input.lines',
      ],
      [
        'mutation($input: AddReviewInput!) { addReview(input: $input) { review { id } } }',
        { input: { productId: SEED_PRODUCTS[30]!.id, rating: 6, body: 'x' } },
        'input.rating',
      ],
      [
        'mutation($input: SignUpInput!) { signUp(input: $input) { token } }',
        { input: { email: 'not-an-email', name: 'X', password: 'long-enough' } },
        'input.email',
      ],
      [
        'mutation($input: SignUpInput!) { signUp(input: $input) { token } }',
        { input: { email: 'short@example.com', name: 'X', password: 'short' } },
        'input.password',
      ],
      ['{ products(first: 1000) { totalCount } }', {}, 'first'],
      ['{ products(after: "garbage") { totalCount } }', {}, 'after'],
    ];
    for (const [query, variables, field] of cases) {
      const result = await t.query(query, variables, alice);
      expect({ field, code: result.errors?.[0]?.extensions?.code, named: result.errors?.[0]?.extensions?.field }).toEqual({
        field,
        code: 'BAD_USER_INPUT',
        named: field,
      });
    }
  });

  it('enforces roles: customers cannot manage the catalog, anonymous callers cannot order', async () => {
    const alice = await t.logIn('alice@example.com', 'alice-password');
    const create = await t.query(
      `mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } } }`,
      { input: { sku: 'NEW-0001', name: 'New', price: { amount: 100, currency: 'USD' }, weightGrams: 10, category: 'books' } },
      alice,
    );
    expect(create.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const restock = await t.query(
      `mutation($input: RestockInput!) { restock(input: $input) { product { stock } } }`,
      { input: { productId: SEED_PRODUCTS[0]!.id, quantity: 5 } },
      alice,
    );
    expect(restock.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await t.query(`mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }`, {
      input: { lines: [{ productId: SEED_PRODUCTS[0]!.id, quantity: 1 }] },
    });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('lets an admin create a product, reprice it and restock it', async () => {
    const admin = await t.logIn('admin@example.com', 'admin-password');
    const created = await t.queryOk(
      `mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id sku stock inStock } } }`,
      { input: { sku: 'ADM-0001', name: 'Admin Widget', price: { amount: 2500, currency: 'USD' }, weightGrams: 700, category: 'home' } },
      admin,
    );
    const id = created.createProduct.product.id;
    expect(created.createProduct.product).toMatchObject({ sku: 'ADM-0001', stock: 0, inStock: false });
    const duplicate = await t.query(
      `mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } } }`,
      { input: { sku: 'ADM-0001', name: 'Again', price: { amount: 1, currency: 'USD' }, weightGrams: 1, category: 'home' } },
      admin,
    );
    expect(duplicate.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const repriced = await t.queryOk(
      `mutation($input: UpdateProductPriceInput!) { updateProductPrice(input: $input) { product { price { amount currency } } } }`,
      { input: { productId: id, price: { amount: 3000, currency: 'USD' } } },
      admin,
    );
    expect(repriced.updateProductPrice.product.price).toEqual({ amount: 3000, currency: 'USD' });
    // Inventory learns of the product from ProductCreated (eventually consistent): wait until it is known there.
    await t.settle();
    const restocked = await t.queryOk(
      `mutation($input: RestockInput!) { restock(input: $input) { product { stock inStock } } }`,
      { input: { productId: id, quantity: 7 } },
      admin,
    );
    expect(restocked.restock.product).toEqual({ stock: 7, inStock: true });
  });

  it('allows one review per user per product', async () => {
    const bob = await t.logIn('bob@example.com', 'bob-password');
    // Products whose index is 4 mod 5 have no seeded reviews.
    const product = SEED_PRODUCTS[29]!;
    const add = `mutation($input: AddReviewInput!) { addReview(input: $input) { review { id rating author { name } product { name } } } }`;
    const first = await t.queryOk(add, { input: { productId: product.id, rating: 4, body: 'Solid.' } }, bob);
    expect(first.addReview.review).toMatchObject({ rating: 4, author: { name: 'Bob Customer' }, product: { name: product.name } });
    // The rating summary is a read model: it includes the review once its projection has caught up.
    await t.settle();
    const rated = await t.queryOk(`query($id: ID!) { product(id: $id) { rating { count average } } }`, { id: product.id });
    expect(rated.product.rating).toEqual({ count: 1, average: 4 });
    const second = await t.query(add, { input: { productId: product.id, rating: 5, body: 'Again.' } }, bob);
    expect(second.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('refuses invalid and expired tokens with 401 UNAUTHENTICATED, and treats no token as anonymous', async () => {
    const garbage = await t.query('{ me { id } }', undefined, 'not.a.jwt');
    expect(garbage.status).toBe(401);
    expect(garbage.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // A well-formed token signed by a key the accounts JWKS does not hold.
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ role: 'ADMIN' })
      .setProtectedHeader({ alg: 'ES256', kid: 'forged' })
      .setSubject('00000000-0000-4000-8000-000000000000')
      .setIssuer('commerce-accounts')
      .setAudience('commerce-api')
      .setExpirationTime('1h')
      .sign(privateKey);
    expect((await t.query('{ me { id } }', undefined, forged)).status).toBe(401);

    const anonymous = await t.queryOk('{ me { id } }');
    expect(anonymous.me).toBeNull();
  });

  it('rejects a token once it has expired', async () => {
    const clock = new ManualClock();
    const short = await startTestStack({ clock, jwt: { issuer: 'commerce-accounts', audience: 'commerce-api', ttlSeconds: 60 } });
    try {
      const token = await short.logIn('alice@example.com', 'alice-password');
      expect((await short.queryOk('{ me { name } }', undefined, token)).me.name).toBe('Alice Customer');
      // Within the verifier's 5 s clock tolerance after `exp` (whole seconds) the token is still good; past it, not.
      const exp = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;
      clock.advance(exp + 4_000 - clock.now().getTime());
      expect((await short.queryOk('{ me { name } }', undefined, token)).me.name).toBe('Alice Customer');
      clock.advance(2_000);
      const expired = await short.query('{ me { name } }', undefined, token);
      expect(expired.status).toBe(401);
      expect(expired.errors?.[0]?.message).toMatch(/expired/);
    } finally {
      await short.close();
    }
  });

  it('keeps requests that are not GraphQL from crashing anything', async () => {
    const badJson = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(badJson.status).toBe(400);
    const huge = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __typename }`, padding: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    const parse = await t.query('{ products { ');
    expect(parse.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const unknownField = await t.query('{ nope }');
    expect(unknownField.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await fetch(`${t.baseUrl}/health`)).status).toBe(200);
  });

  it('serves health, readiness and Sandbox', async () => {
    expect(await (await fetch(`${t.baseUrl}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${t.baseUrl}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', subgraphs: { accounts: 'up', products: 'up', inventory: 'up', orders: 'up', reviews: 'up' } });
    const sandbox = await fetch(t.url, { headers: { accept: 'text/html' } });
    expect(sandbox.status).toBe(200);
    expect(await sandbox.text()).toMatch(/sandbox/i);
  });

  it('reports not ready when a subgraph is down', async () => {
    const other = await startTestStack();
    try {
      await other.stack.subgraphs.reviews.close();
      const ready = await fetch(`${other.baseUrl}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        subgraphs: { reviews: 'down', accounts: 'up' },
        replicas: { reviews: [{ replica: expect.stringContaining('/graphql'), state: 'down', inFlight: 0 }], accounts: [{ state: 'up' }] },
      });
      // The rest of the graph keeps answering; the missing part is a null with an error, not a crash.
      const partial = await other.query(
        `query($id: ID!) { products(first: 1) { edges { node { name } } } rated: product(id: $id) { name rating { count } } }`,
        { id: SEED_PRODUCTS[0]!.id },
      );
      expect(partial.data?.products?.edges?.[0]?.node?.name).toEqual(expect.any(String));
      // Product.rating is nullable: the product keeps its own fields, only reviews' are null.
      expect(partial.data?.rated).toEqual({ name: SEED_PRODUCTS[0]!.name, rating: null });
      expect(partial.errors).toEqual([
        expect.objectContaining({ path: ['rated', 'rating'], extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'reviews' } }),
      ]);
    } finally {
      await other.close();
    }
  });
});
