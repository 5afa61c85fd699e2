import { deciderSpec } from '../../../tests/support/deciderSpec';
import { evolve, type NewReservationEvent, type ReservationState } from './reservation';
import { decide, type ReservationCommand } from './reservationDecider';

const ORDER = '00000000-0000-4000-8000-00000000a001';
const A = '00000000-0000-4000-8000-000000000001';
const B = '00000000-0000-4000-8000-000000000002';
const C = '00000000-0000-4000-8000-000000000003';

const reserve = (lines: Array<[string, number]>): ReservationCommand => ({
  type: 'ReserveStock',
  orderId: ORDER,
  lines: lines.map(([productId, quantity]) => ({ productId, quantity })),
});
const release: ReservationCommand = { type: 'ReleaseStock', orderId: ORDER };

/** The decider from `state` on. */
const from = (state: ReservationState) => deciderSpec<ReservationCommand, NewReservationEvent, ReservationState>(decide, evolve, state);
/** Given units on hand and the order's past events, when `command` arrives, then these events. */
const given = (onHand: Array<[string, number]>, ...history: NewReservationEvent[]) =>
  from({ orderId: ORDER, onHand: new Map(onHand), reservation: null }).given(...history);

const reserved: NewReservationEvent = {
  type: 'StockReserved',
  aggregateId: ORDER,
  aggregateVersion: 1,
  data: {
    orderId: ORDER,
    lines: [
      { productId: A, quantity: 2, stock: 3 },
      { productId: B, quantity: 1, stock: 0 },
    ],
  },
};

describe('reservation decide: ReserveStock', () => {
  it('given enough of every product, then every line is reserved with what is left of each', () => {
    given([
      [A, 5],
      [B, 1],
    ])
      .when(
        reserve([
          [A, 2],
          [B, 1],
        ]),
      )
      .then([reserved]);
  });

  it('given one line short, then NOTHING is reserved and only the short line is listed', () => {
    given([
      [A, 5],
      [B, 1],
    ])
      .when(
        reserve([
          [A, 2],
          [B, 3],
        ]),
      )
      .then([
        {
          type: 'StockReservationRejected',
          aggregateId: ORDER,
          aggregateVersion: 1,
          data: { orderId: ORDER, shortfalls: [{ productId: B, requested: 3, available: 1 }] },
        },
      ]);
  });

  it('given a product inventory has no stock row for, then it has 0 available', () => {
    given([[A, 5]])
      .when(
        reserve([
          [A, 1],
          [C, 1],
        ]),
      )
      .then([
        {
          type: 'StockReservationRejected',
          aggregateId: ORDER,
          aggregateVersion: 1,
          data: { orderId: ORDER, shortfalls: [{ productId: C, requested: 1, available: 0 }] },
        },
      ]);
  });

  it('given exactly the units requested, then they are reserved down to 0, never below', () => {
    expect(
      given([[A, 2]])
        .when(reserve([[A, 2]]))
        .events()[0],
    ).toMatchObject({ type: 'StockReserved', data: { lines: [{ productId: A, quantity: 2, stock: 0 }] } });
  });

  it('given the order was already reserved, then nothing more is reserved', () => {
    given(
      [
        [A, 3],
        [B, 0],
      ],
      reserved,
    )
      .when(
        reserve([
          [A, 2],
          [B, 1],
        ]),
      )
      .then([]);
  });
});

describe('reservation decide: ReleaseStock', () => {
  it('given a reserved order, then its units go back with what is on hand after, at version 2', () => {
    given(
      [
        [A, 3],
        [B, 0],
      ],
      reserved,
    )
      .when(release)
      .then([
        {
          type: 'StockReleased',
          aggregateId: ORDER,
          aggregateVersion: 2,
          data: {
            orderId: ORDER,
            lines: [
              { productId: A, quantity: 2, stock: 5 },
              { productId: B, quantity: 1, stock: 1 },
            ],
          },
        },
      ]);
  });

  it('given stock sold meanwhile by others, then release adds to what is on hand now', () => {
    const { state } = given(
      [
        [A, 5],
        [B, 1],
      ],
      reserved,
    );
    const sold = {
      ...state,
      onHand: new Map([
        [A, 0],
        [B, 0],
      ]),
    };
    expect(from(sold).given().when(release).events()[0]).toMatchObject({
      data: {
        lines: [
          { productId: A, stock: 2 },
          { productId: B, stock: 1 },
        ],
      },
    });
  });

  it('given nothing was ever reserved (rejected, or never seen), then nothing happens', () => {
    given([[A, 5]])
      .when(release)
      .then([]);
  });

  it('given the order was already released, then nothing happens again', () => {
    const { state } = given(
      [
        [A, 3],
        [B, 0],
      ],
      reserved,
    );
    const [released] = from(state).given().when(release).events();
    from(state).given(released!).when(release).then([]);
  });
});

describe('reservation evolve', () => {
  it('given StockReserved then StockReleased, then stock goes down and back up and the reservation ends RELEASED', () => {
    const { state } = given(
      [
        [A, 5],
        [B, 1],
      ],
      reserved,
    );
    expect(state.onHand).toEqual(
      new Map([
        [A, 3],
        [B, 0],
      ]),
    );
    expect(state.reservation).toEqual({
      status: 'RESERVED',
      lines: [
        { productId: A, quantity: 2 },
        { productId: B, quantity: 1 },
      ],
    });
    const released = from(state).given(from(state).given().when(release).events()[0]!).state;
    expect(released.onHand).toEqual(
      new Map([
        [A, 5],
        [B, 1],
      ]),
    );
    expect(released.reservation?.status).toBe('RELEASED');
  });

  it('given a rejection, then nothing is held and no stock moves', () => {
    const { state } = given([[A, 1]]);
    const [rejection] = from(state)
      .given()
      .when(reserve([[A, 2]]))
      .events();
    expect(from(state).given(rejection!).state).toEqual(state);
  });
});
