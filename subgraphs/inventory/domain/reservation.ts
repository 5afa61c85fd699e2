import type { NewEvent } from '../../../platform/events/outbox';
import type { StockReleased, StockReservationRejected, StockReserved } from '../../../schema/events/inventory';
import { UnreachableCaseError } from '../../../platform/unreachableCaseError';

/** The events of an order's reservation. */
export type ReservationEvent = StockReserved | StockReservationRejected | StockReleased;

/** A reservation event as a decision returns it: the outbox adds id, time and cause. */
export type NewReservationEvent = NewEvent<ReservationEvent>;

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

/** The order's reservation and the stock concerned after `event`; no I/O. */
export function evolve(state: ReservationState, event: NewReservationEvent): ReservationState {
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
    default:
      throw new UnreachableCaseError(event, 'reservation event');
  }
}
