import type { NewInventoryEvent } from './events';
import { UnreachableCaseError } from '../../../platform/unreachableCaseError';

/** Where an order's reservation is in its life. */
export type ReservationStatus = 'RESERVED' | 'RELEASED';

/** One product held for an order. */
export interface ReservedLine {
  productId: string;
  quantity: number;
}

/** What the reservation decisions know about one order. */
export interface ReservationState {
  orderId: string;
  /** Units on hand of the products concerned, by id; a product inventory has no stock row for is absent, i.e. 0 available. */
  onHand: ReadonlyMap<string, number>;
  /** What is held for the order; null when nothing ever was (it was rejected, or not seen yet). */
  reservation: { status: ReservationStatus; lines: readonly ReservedLine[] } | null;
}

/** What the saga asks of inventory. */
export type ReservationCommand =
  /** On `OrderPlaced`: reserve every line or none. */
  | { type: 'ReserveStock'; orderId: string; lines: readonly ReservedLine[] }
  /** On `OrderCancelled`: put back what is held. */
  | { type: 'ReleaseStock'; orderId: string };

/** The units on hand of `productId` in `state`. */
function available(state: ReservationState, productId: string): number {
  return state.onHand.get(productId) ?? 0;
}

/**
 * Decides a reservation command on `state`, as events; no I/O.
 * ReserveStock reserves EVERY line when each has enough units on hand
 * (`StockReserved`, with what is left of each), else NONE
 * (`StockReservationRejected`, listing the lines that fell short); an order
 * already decided records nothing. ReleaseStock puts a RESERVED order's
 * units back (`StockReleased`, with what is on hand after); an order with
 * nothing held, or already released, records nothing.
 */
export function decideReservation(command: ReservationCommand, state: ReservationState): NewInventoryEvent[] {
  switch (command.type) {
    case 'ReserveStock': {
      if (state.reservation) return [];
      const shortfalls = command.lines
        .filter((line) => available(state, line.productId) < line.quantity)
        .map((line) => ({ productId: line.productId, requested: line.quantity, available: available(state, line.productId) }));
      if (shortfalls.length) {
        return [{ type: 'StockReservationRejected', aggregateId: command.orderId, aggregateVersion: 1, data: { orderId: command.orderId, shortfalls } }];
      }
      return [
        {
          type: 'StockReserved',
          aggregateId: command.orderId,
          aggregateVersion: 1,
          data: {
            orderId: command.orderId,
            lines: command.lines.map((line) => ({ productId: line.productId, quantity: line.quantity, stock: available(state, line.productId) - line.quantity })),
          },
        },
      ];
    }
    case 'ReleaseStock': {
      const reservation = state.reservation;
      if (!reservation) return [];
      switch (reservation.status) {
        case 'RESERVED':
          return [
            {
              type: 'StockReleased',
              aggregateId: command.orderId,
              aggregateVersion: 2,
              data: {
                orderId: command.orderId,
                lines: reservation.lines.map((line) => ({ productId: line.productId, quantity: line.quantity, stock: available(state, line.productId) + line.quantity })),
              },
            },
          ];
        case 'RELEASED':
          return [];
        default:
          throw new UnreachableCaseError(reservation.status, 'reservation status');
      }
    }
    default:
      throw new UnreachableCaseError(command, 'reservation command');
  }
}

/** The order's reservation and the stock concerned after `event`; no I/O. */
export function evolveReservation(state: ReservationState, event: NewInventoryEvent): ReservationState {
  switch (event.type) {
    case 'StockReserved': {
      const onHand = new Map(state.onHand);
      for (const line of event.data.lines) onHand.set(line.productId, line.stock);
      return { ...state, onHand, reservation: { status: 'RESERVED', lines: event.data.lines.map(({ productId, quantity }) => ({ productId, quantity })) } };
    }
    case 'StockReleased': {
      const onHand = new Map(state.onHand);
      for (const line of event.data.lines) onHand.set(line.productId, line.stock);
      return { ...state, onHand, reservation: state.reservation && { ...state.reservation, status: 'RELEASED' } };
    }
    case 'StockReservationRejected':
      // Nothing is held, nothing changes.
      return state;
    case 'StockRestocked':
      throw new Error('StockRestocked is about a product, not an order reservation.');
    default:
      throw new UnreachableCaseError(event, 'inventory event');
  }
}
