import { badInput } from '../../../platform/errors';
import { isUuid } from '../../../platform/ids';

/** Units on hand of one product, as inventory stores them. */
export interface Stock {
  productId: string;
  quantity: number;
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
