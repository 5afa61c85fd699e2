import { conflict } from '../../../platform/errors';
import { MAX_STOCK, type NewStockEvent, type Restock, type StockState } from './stock';

/** What can be asked of a product's stock: add the validated units of a restock. */
export type StockCommand = { type: 'Restock' } & Restock;

/**
 * Decides a validated restock (`validateRestock`) of a product whose stock is `state`: one
 * `StockRestocked` with the units on hand after, or a CONFLICT when the sum
 * would pass `MAX_STOCK`. No I/O.
 */
export function decide(command: StockCommand, state: StockState): NewStockEvent[] {
  if (state.quantity + command.quantity > MAX_STOCK) {
    throw conflict(`Stock of product "${command.productId}" may not exceed ${MAX_STOCK} units; adding ${command.quantity} would pass it.`);
  }
  return [
    {
      type: 'StockRestocked',
      aggregateId: command.productId,
      aggregateVersion: state.version + 1,
      data: { productId: command.productId, quantity: command.quantity, stock: state.quantity + command.quantity },
    },
  ];
}
