import fs from 'node:fs';
import path from 'node:path';
import { buildASTSchema, getNamedType, isInputObjectType, parse, type GraphQLInputType } from 'graphql';
import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';
import { testEventBusKind } from '../support/testEventBus';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { newId } from '../../platform/ids';

/** The subgraphs' schemas: every table in them is counted before and after. */
const SCHEMAS = ['accounts', 'products', 'inventory', 'orders', 'reviews'];

/** The mutations of the supergraph that take an id anywhere in their arguments (an `ID` field, however deep). */
function mutationsTakingIds(): string[] {
  const sdl = fs.readFileSync(path.resolve(__dirname, '../../schema/supergraph.graphql'), 'utf8');
  const schema = buildASTSchema(parse(sdl), { assumeValidSDL: true });
  const takesId = (type: GraphQLInputType, seen = new Set<string>()): boolean => {
    const named = getNamedType(type);
    if (named.name === 'ID') return true;
    if (!isInputObjectType(named) || seen.has(named.name)) return false;
    seen.add(named.name);
    return Object.values(named.getFields()).some((field) => takesId(field.type, seen));
  };
  return Object.values(schema.getMutationType()!.getFields())
    .filter((field) => field.args.some((arg) => takesId(arg.type)))
    .map((field) => field.name)
    .sort();
}

/**
 * Every mutation that takes an id, sent a well-formed id of nothing (a random
 * UUID) by a caller allowed to use it: each answers an error with a code
 * (NOT_FOUND naming the input field), never a response without data or
 * errors, and writes nothing: no row in any subgraph's tables, no event in
 * any outbox, before or after the events settle.
 */
describe(`mutations given unknown ids (${testStorageKind()}, ${testEventBusKind()})`, () => {
  let t: TestStack;
  let admin: string;
  let alice: string;
  beforeAll(async () => {
    t = await startTestStack();
    admin = await t.logIn('admin@example.com', 'admin-password');
    alice = await t.logIn('alice@example.com', 'alice-password');
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Rows in every table of every subgraph schema (outboxes, inboxes and read models included), by table. */
  const rowCounts = async (): Promise<Record<string, number>> => {
    const db = t.storage.database('check');
    const tables = await db.query<{ name: string }>(
      `select table_schema || '.' || table_name as name from information_schema.tables
       where table_schema = any($1::text[]) and table_type = 'BASE TABLE' order by 1`,
      [SCHEMAS],
    );
    const counts: Record<string, number> = {};
    for (const { name } of tables) counts[name] = Number((await db.query<{ n: string }>(`select count(*) as n from ${name}`))[0]!.n);
    return counts;
  };

  const cases = (): Array<{ mutation: string; query: string; input: Record<string, unknown>; as: () => string; field: string }> => [
    {
      mutation: 'addReview',
      query: 'mutation($input: AddReviewInput!) { addReview(input: $input) { review { id } } }',
      input: { productId: newId(), rating: 4, body: 'Of nothing.' },
      as: () => alice,
      field: 'input.productId',
    },
    {
      mutation: 'cancelOrder',
      query: 'mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { order { id } } }',
      input: { orderId: newId() },
      as: () => alice,
      field: 'input.orderId',
    },
    {
      mutation: 'placeOrder',
      query: 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }',
      // A known product first: the unknown one on line 1 must still refuse the whole order.
      input: {
        lines: [
          { productId: SEED_PRODUCTS[0]!.id, quantity: 1 },
          { productId: newId(), quantity: 1 },
        ],
      },
      as: () => alice,
      field: 'input.lines.1.productId',
    },
    {
      mutation: 'restock',
      query: 'mutation($input: RestockInput!) { restock(input: $input) { product { id stock } } }',
      input: { productId: newId(), quantity: 5 },
      as: () => admin,
      field: 'input.productId',
    },
    {
      mutation: 'updateProductPrice',
      query: 'mutation($input: UpdateProductPriceInput!) { updateProductPrice(input: $input) { product { id } } }',
      input: { productId: newId(), price: { amount: 100, currency: 'USD' } },
      as: () => admin,
      field: 'input.productId',
    },
  ];

  it('covers every mutation of the supergraph that takes an id', () => {
    expect(
      cases()
        .map((c) => c.mutation)
        .sort(),
    ).toEqual(mutationsTakingIds());
  });

  it('answers each with NOT_FOUND naming the input field, and writes no row and no event anywhere', async () => {
    await t.settle();
    const before = await rowCounts();
    for (const { mutation, query, input, as, field } of cases()) {
      const result = await t.query(query, { input }, as());
      expect({
        mutation,
        status: result.status,
        data: result.data,
        errors: result.errors?.map((e) => ({ code: e.extensions?.code, field: e.extensions?.field })),
      }).toEqual({
        mutation,
        status: 200,
        data: null,
        errors: [{ code: 'NOT_FOUND', field }],
      });
    }
    expect(await rowCounts()).toEqual(before);
    // Nothing waits in an outbox or reaches a consumer later either.
    await t.settle();
    expect(await rowCounts()).toEqual(before);
  });
});
