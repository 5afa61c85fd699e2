import fs from 'node:fs';
import path from 'node:path';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';

const read = (name: string) => fs.readFileSync(path.resolve(__dirname, '../../schema/operations', name), 'utf8');

/** The example operations the README points to (`schema/operations/`) run as written, under every protection the gateway applies. */
describe(`example operations (${testStorageKind()})`, () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ production: true });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('given the files as written, then each runs without an error: log in, everything, place an order, my orders, sign up', async () => {
    const files = fs.readdirSync(path.resolve(__dirname, '../../schema/operations')).sort();
    expect(files).toEqual(['everything.graphql', 'logIn.graphql', 'myOrders.graphql', 'placeOrder.graphql', 'signUp.graphql']);
    const logIn = await t.queryOk(read('logIn.graphql'));
    const token: string = logIn.logIn.token;
    expect(logIn.logIn.user).toMatchObject({ name: 'Alice Customer', role: 'CUSTOMER' });
    const everything = await t.queryOk(read('everything.graphql'), undefined, token);
    expect(everything.me.name).toBe('Alice Customer');
    expect(everything.products.edges.length).toBeGreaterThan(0);
    const placed = await t.queryOk(read('placeOrder.graphql'), { productId: SEED_PRODUCTS[0]!.id }, token);
    expect(placed.placeOrder.order.status).toBe('PENDING');
    const mine = await t.queryOk(read('myOrders.graphql'), undefined, token);
    expect(mine.me.orders.edges.map((edge: { node: { id: string } }) => edge.node.id)).toContain(placed.placeOrder.order.id);
    const signUp = await t.queryOk(read('signUp.graphql'));
    expect(signUp.signUp.user).toMatchObject({ email: 'carol@example.com', role: 'CUSTOMER' });
  });

  it('given an anonymous caller, then Everything answers the catalog and a null me, without an error', async () => {
    const anonymous = await t.query(read('everything.graphql'));
    expect(anonymous.errors).toBeUndefined();
    expect(anonymous.data.me).toBeNull();
    expect(anonymous.data.products.totalCount).toBeGreaterThan(0);
  });
});
