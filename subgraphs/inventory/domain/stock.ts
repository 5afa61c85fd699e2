import { badInput } from '../../../platform/errors';
import { isUuid } from '../../../platform/ids';
import type { NewEvent } from '../../../platform/events/outbox';
import type { StockRestocked } from '../../../schema/events/inventory';

/** Units on hand of one product, as inventory stores them. */
export interface Stock {
  productId: string;
  quantity: number;
  /** How many restocks it has had: the version of its last `StockRestocked`, 0 before any. */
  version: number;
  updatedAt: Date;
}

/** A restock as a client sends it. */
export interface Restock {
  productId: string;
  quantity: number;
}

/** The most units one restock may add. */
export const MAX_RESTOCK_QUANTITY = 100_000;
/** The most units of one product inventory holds; keeps the sum inside a 32-bit `Int`. */
export const MAX_STOCK = 1_000_000_000;

/** Checks a restock: `input.productId` a UUID, `input.quantity` an integer from 1 to `MAX_RESTOCK_QUANTITY`. */
export function validateRestock(input: Restock): Restock {
  if (!isUuid(input.productId)) throw badInput('input.productId', `productId must be a product id (UUID), got "${input.productId}".`);
  if (!Number.isInteger(input.quantity) || input.quantity < 1 || input.quantity > MAX_RESTOCK_QUANTITY) {
    throw badInput('input.quantity', `Quantity must be an integer from 1 to ${MAX_RESTOCK_QUANTITY}, got ${input.quantity}.`);
  }
  return { productId: input.productId.toLowerCase(), quantity: input.quantity };
}

/** A stock event as a decision returns it: the outbox adds id, time and cause. */
export type NewStockEvent = NewEvent<StockRestocked>;

/** What the stock decider knows of a product's stock: units on hand and the stock row's version (0 when it has no row yet). */
export interface StockState {
  quantity: number;
  version: number;
}

/** A product's stock after `event`. */
export function evolve(_state: StockState, event: NewStockEvent): StockState {
  return { quantity: event.data.stock, version: event.aggregateVersion };
}
