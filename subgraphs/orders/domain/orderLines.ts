import { badInput, notFound } from '../../../platform/errors';
import { isUuid } from '../../../platform/ids';
import type { Money } from '../../../schema/events/money';

/** One line of an order as a client sends it. */
export interface OrderLineRequest {
  productId: string;
  quantity: number;
}

/** A line with the unit price the catalog quoted for it. */
export interface PricedLine extends OrderLineRequest {
  unitPrice: Money;
}

/** The most lines one order may have. */
export const MAX_ORDER_LINES = 50;
/** The most units of one product one order may have. */
export const MAX_LINE_QUANTITY = 1000;
/** The largest total an order may reach, in minor units: the largest GraphQL `Int`. */
export const MAX_ORDER_TOTAL = 2_147_483_647;

/**
 * Checks the lines of a new order: 1 to `MAX_ORDER_LINES` of them, each a
 * product id (UUID) not seen on an earlier line and a quantity from 1 to
 * `MAX_LINE_QUANTITY`. Errors name the field (`input.lines.2.quantity`).
 * Returns the lines with ids in canonical (lower-case) form.
 */
export function validateOrderLines(lines: readonly OrderLineRequest[]): OrderLineRequest[] {
  if (lines.length < 1 || lines.length > MAX_ORDER_LINES) {
    throw badInput('input.lines', `An order must have 1 to ${MAX_ORDER_LINES} lines, got ${lines.length}.`);
  }
  const lineOfProduct = new Map<string, number>();
  return lines.map((line, i) => {
    if (!isUuid(line.productId)) {
      throw badInput(`input.lines.${i}.productId`, `productId must be a product id (UUID), got "${line.productId}".`);
    }
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_LINE_QUANTITY) {
      throw badInput(`input.lines.${i}.quantity`, `Quantity must be an integer from 1 to ${MAX_LINE_QUANTITY}, got ${line.quantity}.`);
    }
    const productId = line.productId.toLowerCase();
    const earlier = lineOfProduct.get(productId);
    if (earlier !== undefined) {
      throw badInput(`input.lines.${i}.productId`, `Each product may appear on one line only; product "${line.productId}" is already on line ${earlier}.`);
    }
    lineOfProduct.set(productId, i);
    return { productId, quantity: line.quantity };
  });
}

/**
 * Prices validated lines with the catalog's current unit prices: a product
 * the catalog does not know is NOT_FOUND naming its line's `productId`; lines in different
 * currencies, or a total past `MAX_ORDER_TOTAL`, name `input.lines`.
 */
export function priceOrder(lines: readonly OrderLineRequest[], prices: ReadonlyMap<string, Money>): { lines: PricedLine[]; total: Money } {
  const priced = lines.map((line, i) => {
    const price = prices.get(line.productId);
    if (!price) throw notFound(`No product has id "${line.productId}".`, `input.lines.${i}.productId`);
    return { ...line, unitPrice: { amount: price.amount, currency: price.currency } };
  });
  const first = priced[0];
  if (!first) throw badInput('input.lines', 'An order must have at least one line, got 0.');
  const currency = first.unitPrice.currency;
  const other = priced.findIndex((line) => line.unitPrice.currency !== currency);
  if (other !== -1) {
    throw badInput(
      'input.lines',
      `All lines of an order must be priced in one currency; line 0 is in ${currency}, line ${other} in ${priced[other]!.unitPrice.currency}.`,
    );
  }
  const amount = priced.reduce((sum, line) => sum + line.unitPrice.amount * line.quantity, 0);
  if (amount > MAX_ORDER_TOTAL) {
    throw badInput('input.lines', `An order's total may be at most ${MAX_ORDER_TOTAL} minor units, got ${amount} ${currency}.`);
  }
  return { lines: priced, total: { amount, currency } };
}
