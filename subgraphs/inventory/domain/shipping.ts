/** Unit prices from this amount (minor units, 100.00) ship free. */
export const FREE_SHIPPING_FROM = 10_000;
/** What every paid shipment costs, in minor units. */
export const BASE_SHIPPING = 499;
/** What each started step of `WEIGHT_STEP_GRAMS` adds, in minor units. */
export const SHIPPING_PER_WEIGHT_STEP = 100;
/** The weight step, in grams; a started step counts whole. */
export const WEIGHT_STEP_GRAMS = 500;

/**
 * The shipping cost of one unit, in minor units of the price's currency:
 * free from `FREE_SHIPPING_FROM`, else 499 plus 100 per started 500 grams.
 */
export function shippingEstimate(price: { amount: number; currency: string }, weightGrams: number): number {
  if (price.amount >= FREE_SHIPPING_FROM) return 0;
  return BASE_SHIPPING + Math.ceil(weightGrams / WEIGHT_STEP_GRAMS) * SHIPPING_PER_WEIGHT_STEP;
}
