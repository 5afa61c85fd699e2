import { testStorageKind } from '../../../tests/support/testStorage';
import { handingBus } from '../../../tests/support/handingBus';
import { startSubgraphUnderTest, type SubgraphUnderTest } from '../../../tests/support/subgraphHarness';
import { startConsumer, type ConsumerDefinition } from '../../../platform/events/consumer';
import type { DeliveredEvent } from '../../../platform/events/event';
import type { EventHandler } from '../../../platform/events/eventBus';
import type { LoggedEvent } from '../../../platform/events/outbox';
import { createLogger } from '../../../platform/logger';
import { newId } from '../../../platform/ids';
import type { InventoryEvent } from '../../../schema/events/inventory';
import { inventorySubgraph } from '../subgraph';
import { RESERVATIONS_CONSUMER } from './reservations';

const NOW = new Date('2026-02-01T12:00:00.000Z');
const CUSTOMER = '00000000-0000-4000-8000-00000000c001';

type Lines = Array<[productId: string, quantity: number]>;

/** An `OrderPlaced` as orders publishes it. */
function orderPlaced(orderId: string, lines: Lines): DeliveredEvent {
  const priced = lines.map(([productId, quantity]) => ({ productId, quantity, unitPrice: { amount: 100, currency: 'USD' } }));
  return {
    eventId: newId(),
    domain: 'orders',
    type: 'OrderPlaced',
    aggregateId: orderId,
    aggregateVersion: 1,
    occurredAt: NOW.toISOString(),
    correlationId: `request-${orderId}`,
    causationId: null,
    sequence: 1,
    data: { customerId: CUSTOMER, lines: priced, total: { amount: priced.reduce((sum, l) => sum + 100 * l.quantity, 0), currency: 'USD' } },
  };
}

/** An `OrderCancelled` as orders publishes it. */
function orderCancelled(orderId: string, previousStatus: 'PENDING' | 'CONFIRMED', lines: Lines, aggregateVersion = 3): DeliveredEvent {
  return {
    ...orderPlaced(orderId, lines),
    eventId: newId(),
    type: 'OrderCancelled',
    aggregateVersion,
    data: { customerId: CUSTOMER, previousStatus, lines: lines.map(([productId, quantity]) => ({ productId, quantity })) },
  };
}

/**
 * The `inventory.reservations` consumer run the way `runSubgraph` runs it
 * (`startConsumer`: one transaction per event with its inbox row), on a bus
 * that hands the test the handler, so the test decides what is delivered,
 * how often and how many at once.
 */
describe(`inventory.reservations consumer (${testStorageKind()})`, () => {
  let inventory: SubgraphUnderTest;
  let definition: ConsumerDefinition;
  let deliver: EventHandler;

  beforeAll(async () => {
    inventory = await startSubgraphUnderTest('inventory', (db, outbox, bus) => {
      const subgraph = inventorySubgraph({ db, outbox, bus, clock: { now: () => NOW } });
      definition = subgraph.consumers!.find((c) => c.name === RESERVATIONS_CONSUMER)!;
      return subgraph;
    });
    const hand = handingBus();
    await startConsumer({
      bus: hand.bus,
      db: inventory.storage.database('inventory:events'),
      schema: 'inventory',
      definition,
      logger: createLogger('test', 'silent'),
    });
    deliver = hand.deliver;
  });
  afterAll(() => inventory?.stop());

  /** A product with `quantity` on hand (0: a row with none), or no stock row at all (null). */
  const stocked = async (quantity: number | null): Promise<string> => {
    const id = newId();
    if (quantity !== null) {
      await inventory.db.query('insert into inventory.stock (product_id, quantity, version, updated_at) values ($1, $2, 1, $3)', [id, quantity, NOW]);
    }
    return id;
  };
  const stockOf = async (productId: string) =>
    (await inventory.db.query<{ quantity: number }>('select quantity from inventory.stock where product_id = $1', [productId]))[0]?.quantity ?? null;
  const reservationsOf = async (orderId: string) =>
    inventory.db.query<{ product_id: string; quantity: number; status: string }>(
      'select product_id, quantity, status from inventory.reservations where order_id = $1 order by product_id',
      [orderId],
    );
  const eventsOf = async (orderId: string) =>
    ((await inventory.outbox.read(inventory.db, 0, 100_000)) as Array<LoggedEvent<InventoryEvent>>).filter((e) => e.aggregateId === orderId);

  it('given enough of every product, when an order is placed, then every line is reserved in one StockReserved caused by it', async () => {
    const [a, b] = [await stocked(5), await stocked(1)];
    const orderId = newId();
    const placed = orderPlaced(orderId, [
      [a, 2],
      [b, 1],
    ]);
    await deliver(placed);
    expect([await stockOf(a), await stockOf(b)]).toEqual([3, 0]);
    expect(await reservationsOf(orderId)).toEqual(
      [
        { product_id: a, quantity: 2, status: 'RESERVED' },
        { product_id: b, quantity: 1, status: 'RESERVED' },
      ].sort((x, y) => x.product_id.localeCompare(y.product_id)),
    );
    const events = await eventsOf(orderId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'StockReserved',
      aggregateVersion: 1,
      correlationId: placed.correlationId,
      causationId: placed.eventId,
      data: {
        orderId,
        lines: [
          { productId: a, quantity: 2, stock: 3 },
          { productId: b, quantity: 1, stock: 0 },
        ],
      },
    });
  });

  it('given one line short, then NOTHING is reserved and the rejection lists only that line', async () => {
    const [a, b] = [await stocked(5), await stocked(1)];
    const orderId = newId();
    await deliver(
      orderPlaced(orderId, [
        [a, 2],
        [b, 3],
      ]),
    );
    expect([await stockOf(a), await stockOf(b)]).toEqual([5, 1]);
    expect(await reservationsOf(orderId)).toEqual([]);
    expect((await eventsOf(orderId)).map((e) => [e.type, e.aggregateVersion, e.data])).toEqual([
      ['StockReservationRejected', 1, { orderId, shortfalls: [{ productId: b, requested: 3, available: 1 }] }],
    ]);
  });

  it('given a product with no stock row, then it counts as 0 available', async () => {
    const [a, unknown] = [await stocked(5), await stocked(null)];
    const orderId = newId();
    await deliver(
      orderPlaced(orderId, [
        [a, 1],
        [unknown, 2],
      ]),
    );
    expect((await eventsOf(orderId))[0]?.data).toEqual({ orderId, shortfalls: [{ productId: unknown, requested: 2, available: 0 }] });
    expect(await stockOf(a)).toBe(5);
  });

  it('given a CONFIRMED order is cancelled, then its units go back, the reservation is RELEASED and StockReleased has version 2', async () => {
    const [a, b] = [await stocked(5), await stocked(3)];
    const orderId = newId();
    await deliver(
      orderPlaced(orderId, [
        [a, 2],
        [b, 3],
      ]),
    );
    await inventory.db.query('update inventory.stock set quantity = 1 where product_id = $1', [a]); // others bought some meanwhile
    const cancelled = orderCancelled(orderId, 'CONFIRMED', [
      [a, 2],
      [b, 3],
    ]);
    await deliver(cancelled);
    expect([await stockOf(a), await stockOf(b)]).toEqual([3, 3]);
    expect((await reservationsOf(orderId)).map((r) => r.status)).toEqual(['RELEASED', 'RELEASED']);
    const released = (await eventsOf(orderId)).filter((e) => e.type === 'StockReleased');
    expect(released).toHaveLength(1);
    expect(released[0]).toMatchObject({
      aggregateVersion: 2,
      causationId: cancelled.eventId,
      data: {
        orderId,
        lines: expect.arrayContaining([
          { productId: a, quantity: 2, stock: 3 },
          { productId: b, quantity: 3, stock: 3 },
        ]),
      },
    });
  });

  it('given an order cancelled while PENDING that inventory had reserved, then the reservation is released too', async () => {
    const a = await stocked(4);
    const orderId = newId();
    await deliver(orderPlaced(orderId, [[a, 4]]));
    expect(await stockOf(a)).toBe(0);
    await deliver(orderCancelled(orderId, 'PENDING', [[a, 4]], 2));
    expect(await stockOf(a)).toBe(4);
    expect((await eventsOf(orderId)).map((e) => e.type)).toEqual(['StockReserved', 'StockReleased']);
  });

  it('given a rejected order is cancelled, then nothing is released and no event is recorded', async () => {
    const a = await stocked(1);
    const orderId = newId();
    await deliver(orderPlaced(orderId, [[a, 2]]));
    await deliver(orderCancelled(orderId, 'PENDING', [[a, 2]], 2));
    expect(await stockOf(a)).toBe(1);
    expect((await eventsOf(orderId)).map((e) => e.type)).toEqual(['StockReservationRejected']);
  });

  it('given the same event delivered again, then its inbox record makes the second delivery change nothing', async () => {
    const a = await stocked(5);
    const orderId = newId();
    const placed = orderPlaced(orderId, [[a, 2]]);
    await deliver(placed);
    await deliver(placed);
    expect(await stockOf(a)).toBe(3);
    const cancelled = orderCancelled(orderId, 'CONFIRMED', [[a, 2]]);
    await deliver(cancelled);
    await deliver(cancelled);
    expect(await stockOf(a)).toBe(5);
    expect((await eventsOf(orderId)).map((e) => e.type)).toEqual(['StockReserved', 'StockReleased']);
    const inbox = await inventory.db.query('select event_id from inventory.inbox where consumer = $1 and event_id = any($2::uuid[])', [
      RESERVATIONS_CONSUMER,
      [placed.eventId, cancelled.eventId],
    ]);
    expect(inbox).toHaveLength(2);
  });

  it('given 20 orders of one unit at once for a product with 5 on hand, then exactly 5 are reserved, 15 rejected, and stock ends at 0', async () => {
    const product = await stocked(5);
    const orders = Array.from({ length: 20 }, () => newId());
    // Each in its own transaction, all at once: on PostgreSQL they contend for the pool and the row lock.
    await Promise.all(orders.map((orderId) => deliver(orderPlaced(orderId, [[product, 1]]))));
    expect(await stockOf(product)).toBe(0);
    const outcomes = (await Promise.all(orders.map(eventsOf))).map((events) => {
      expect(events).toHaveLength(1);
      return events[0]!;
    });
    const reserved = outcomes.filter((e) => e.type === 'StockReserved');
    const rejected = outcomes.filter((e) => e.type === 'StockReservationRejected');
    expect([reserved.length, rejected.length]).toEqual([5, 15]);
    // One at a time under the row lock: each reservation saw the stock the previous one left.
    expect(reserved.map((e) => (e.type === 'StockReserved' ? e.data.lines[0]!.stock : -1)).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(rejected.every((e) => e.type === 'StockReservationRejected' && e.data.shortfalls[0]!.available === 0)).toBe(true);
    const held = await inventory.db.query<{ n: string }>("select count(*) as n from inventory.reservations where product_id = $1 and status = 'RESERVED'", [
      product,
    ]);
    expect(Number(held[0]!.n)).toBe(5);
  });

  it('given 20 two-product orders at once listing their products in either order, then locks are taken in one order and none deadlocks', async () => {
    const [scarce, plenty] = [await stocked(4), await stocked(100)];
    const orders = Array.from({ length: 20 }, (_, i) => {
      const orderId = newId();
      return orderPlaced(
        orderId,
        i % 2
          ? [
              [scarce, 1],
              [plenty, 1],
            ]
          : [
              [plenty, 1],
              [scarce, 1],
            ],
      );
    });
    await Promise.all(orders.map((event) => deliver(event)));
    expect([await stockOf(scarce), await stockOf(plenty)]).toEqual([0, 96]);
    const types = (await Promise.all(orders.map((e) => eventsOf(e.aggregateId)))).map((events) => events.map((e) => e.type).join());
    expect(types.filter((t) => t === 'StockReserved')).toHaveLength(4);
    expect(types.filter((t) => t === 'StockReservationRejected')).toHaveLength(16);
  });
});
