import { ErrorCode } from '../../../platform/errors';
import { deciderSpec } from '../../../tests/support/deciderSpec';
import { evolve, type NewOrderEvent, type OrderState } from './order';
import { decide, type OrderCommand } from './orderDecider';

describe('order decider', () => {
  const ORDER = '00000000-0000-4000-8000-00000000a001';
  const CUSTOMER = '00000000-0000-4000-8000-00000000c001';
  const A = '00000000-0000-4000-8000-000000000001';
  const B = '00000000-0000-4000-8000-000000000002';
  const usd = (amount: number) => ({ amount, currency: 'USD' });
  const placeOrder = {
    type: 'PlaceOrder' as const,
    orderId: ORDER,
    customerId: CUSTOMER,
    lines: [
      { productId: A, quantity: 2 },
      { productId: B, quantity: 1 },
    ],
    prices: new Map([
      [A, usd(1000)],
      [B, usd(250)],
    ]),
  };
  const placed: NewOrderEvent = {
    type: 'OrderPlaced',
    aggregateId: ORDER,
    aggregateVersion: 1,
    data: {
      customerId: CUSTOMER,
      lines: [
        { productId: A, quantity: 2, unitPrice: usd(1000) },
        { productId: B, quantity: 1, unitPrice: usd(250) },
      ],
      total: usd(2250),
    },
  };
  const lines = [
    { productId: A, quantity: 2 },
    { productId: B, quantity: 1 },
  ];
  const confirmed: NewOrderEvent = { type: 'OrderConfirmed', aggregateId: ORDER, aggregateVersion: 2, data: { customerId: CUSTOMER, lines } };
  const shortfalls = [{ productId: B, requested: 1, available: 0 }];
  const rejected: NewOrderEvent = {
    type: 'OrderRejected',
    aggregateId: ORDER,
    aggregateVersion: 2,
    data: { customerId: CUSTOMER, reason: `Not enough stock for 1 product: ${B} (requested 1, available 0).`, shortfalls },
  };
  const cancelled = (previousStatus: 'PENDING' | 'CONFIRMED', aggregateVersion: number): NewOrderEvent => ({
    type: 'OrderCancelled',
    aggregateId: ORDER,
    aggregateVersion,
    data: { customerId: CUSTOMER, previousStatus, lines },
  });

  /** Given the order's past events, when `command` arrives, then these events (or this error). */
  const { given } = deciderSpec<OrderCommand, NewOrderEvent, OrderState | null>(decide, evolve, null);

  it('given no order, when it is placed, then OrderPlaced carries the priced lines and total at version 1', () => {
    given().when(placeOrder).then([placed]);
  });

  it('given no order, when a line has no price, then it is NOT_FOUND naming that line and nothing is decided', () => {
    const failure = given()
      .when({ ...placeOrder, prices: new Map([[A, usd(1000)]]) })
      .then(ErrorCode.NOT_FOUND);
    expect(failure.field).toBe('input.lines.1.productId');
  });

  it('given a placed order, when it is placed again, then it is a CONFLICT', () => {
    expect(given(placed).when(placeOrder).then(ErrorCode.CONFLICT).message).toBe(`Order "${ORDER}" already exists.`);
  });

  it('given a PENDING order, when inventory reserved it, then OrderConfirmed lists its lines at version 2', () => {
    given(placed).when({ type: 'ConfirmOrder' }).then([confirmed]);
  });

  it('given a PENDING order, when inventory rejected it, then OrderRejected names the short products in its reason', () => {
    given(placed).when({ type: 'RejectOrder', shortfalls }).then([rejected]);
  });

  it.each([
    ['CONFIRMED', [placed, confirmed]],
    ['REJECTED', [placed, rejected]],
    ['CANCELLED', [placed, cancelled('PENDING', 2)]],
  ])('given a %s order, when inventory answers late or again, then nothing happens', (_, history) => {
    given(...history)
      .when({ type: 'ConfirmOrder' })
      .then([]);
    given(...history)
      .when({ type: 'RejectOrder', shortfalls })
      .then([]);
  });

  it('given no order at all, when inventory answers, then nothing happens', () => {
    given().when({ type: 'ConfirmOrder' }).then([]);
    given().when({ type: 'RejectOrder', shortfalls }).then([]);
  });

  it('given a PENDING order, when it is cancelled, then OrderCancelled says it was PENDING and lists its lines', () => {
    given(placed)
      .when({ type: 'CancelOrder' })
      .then([cancelled('PENDING', 2)]);
  });

  it('given a CONFIRMED order, when it is cancelled, then OrderCancelled says it was CONFIRMED, at version 3', () => {
    given(placed, confirmed)
      .when({ type: 'CancelOrder' })
      .then([cancelled('CONFIRMED', 3)]);
  });

  it.each([
    ['REJECTED', [placed, rejected]],
    ['CANCELLED', [placed, confirmed, cancelled('CONFIRMED', 3)]],
  ])('given a %s order, when it is cancelled, then it is a CONFLICT', (status, history) => {
    expect(
      given(...history)
        .when({ type: 'CancelOrder' })
        .then(ErrorCode.CONFLICT).message,
    ).toBe(`Only a PENDING or CONFIRMED order can be cancelled; this order is ${status}.`);
  });

  it('evolves an order through its events: status, version and rejection reason', () => {
    const pending = evolve(null, placed);
    expect(pending).toEqual({
      id: ORDER,
      customerId: CUSTOMER,
      status: 'PENDING',
      version: 1,
      lines: placed.type === 'OrderPlaced' ? placed.data.lines : [],
      total: usd(2250),
      rejectionReason: null,
    });
    expect(evolve(pending, confirmed)).toMatchObject({ status: 'CONFIRMED', version: 2 });
    expect(evolve(pending, rejected)).toMatchObject({
      status: 'REJECTED',
      version: 2,
      rejectionReason: rejected.type === 'OrderRejected' && rejected.data.reason,
    });
    expect(evolve(evolve(pending, confirmed), cancelled('CONFIRMED', 3))).toMatchObject({ status: 'CANCELLED', version: 3 });
  });

  it('refuses to evolve an order that was never placed', () => {
    expect(() => evolve(null, confirmed)).toThrow(`OrderConfirmed of order "${ORDER}" arrived before its OrderPlaced.`);
  });
});
