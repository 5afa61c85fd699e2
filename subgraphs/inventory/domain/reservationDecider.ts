import { UnreachableCaseError } from '../../../platform/unreachableCaseError';
import type { NewReservationEvent, ReservationState, ReservedLine } from './reservation';

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
export function decide(command: ReservationCommand, state: ReservationState): NewReservationEvent[] {
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
            lines: command.lines.map((line) => ({
              productId: line.productId,
              quantity: line.quantity,
              stock: available(state, line.productId) - line.quantity,
            })),
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
                lines: reservation.lines.map((line) => ({
                  productId: line.productId,
                  quantity: line.quantity,
                  stock: available(state, line.productId) + line.quantity,
                })),
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
