import { badInput } from '../../../platform/errors';
import type { NewEvent } from '../../../platform/events/outbox';
import { UnreachableCaseError } from '../../../platform/unreachableCaseError';
import type { ProductCreated, ProductsEvent } from '../../../schema/events/products';

/** A product as the products subgraph stores it. */
export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  price: { amount: number; currency: string };
  weightGrams: number;
  category: string;
  createdAt: Date;
}

/** Fields of a new product, as a client sends them. */
export interface NewProduct {
  sku: string;
  name: string;
  description?: string | null;
  price: { amount: number; currency: string };
  weightGrams: number;
  category: string;
}

/** A new product after validation: every field present (the description at least empty) and normalised. */
export type ValidNewProduct = Required<NewProduct> & { description: string };

const SKU = /^[A-Z0-9-]{3,32}$/;
const CATEGORY = /^[a-z0-9-]{1,50}$/;
const CURRENCY = /^[A-Z]{3}$/;
/** The largest price accepted, in minor units: 100 million (1,000,000.00). */
export const MAX_PRICE_AMOUNT = 100_000_000;

/** Checks a price; `field` is the input path reported on failure. */
export function validatePrice(price: { amount: number; currency: string }, field: string): void {
  if (!Number.isInteger(price.amount) || price.amount <= 0 || price.amount > MAX_PRICE_AMOUNT) {
    throw badInput(`${field}.amount`, `Price amount must be a positive integer of minor units up to ${MAX_PRICE_AMOUNT}, got ${price.amount}.`);
  }
  if (!CURRENCY.test(price.currency)) {
    throw badInput(`${field}.currency`, `Currency must be an ISO 4217 code of three upper-case letters, got "${price.currency}".`);
  }
}

/** Checks every field of a new product and returns it normalised (names trimmed). */
export function validateNewProduct(input: NewProduct): ValidNewProduct {
  const sku = input.sku.trim();
  if (!SKU.test(sku)) throw badInput('input.sku', `SKU must be 3 to 32 characters of A-Z, 0-9 and dashes, got "${input.sku}".`);
  const name = input.name.trim();
  if (name.length < 1 || name.length > 200) throw badInput('input.name', `Name must be 1 to 200 characters, got ${name.length}.`);
  const description = (input.description ?? '').trim();
  if (description.length > 5000) throw badInput('input.description', `Description must be at most 5000 characters, got ${description.length}.`);
  validatePrice(input.price, 'input.price');
  if (!Number.isInteger(input.weightGrams) || input.weightGrams < 1 || input.weightGrams > 1_000_000) {
    throw badInput('input.weightGrams', `Weight must be an integer from 1 to 1000000 grams, got ${input.weightGrams}.`);
  }
  if (!CATEGORY.test(input.category)) {
    throw badInput('input.category', `Category must be 1 to 50 lower-case letters, digits and dashes, got "${input.category}".`);
  }
  return { sku, name, description, price: input.price, weightGrams: input.weightGrams, category: input.category };
}

/** A product as its decisions need it: everything its events say, and its version. */
export interface ProductState extends ProductFields {
  id: string;
  /** 1 after ProductCreated, +1 with each ProductPriceChanged. */
  version: number;
}

/** What `ProductCreated` says of a product; a price change moves `price`. */
type ProductFields = ProductCreated['data'];

/** The product's state after `event`; `state` is null before its first event. */
export function evolve(state: ProductState | null, event: NewEvent<ProductsEvent>): ProductState {
  switch (event.type) {
    case 'ProductCreated':
      return { id: event.aggregateId, ...event.data, price: { ...event.data.price }, version: event.aggregateVersion };
    case 'ProductPriceChanged':
      if (!state) throw new Error(`ProductPriceChanged for product "${event.aggregateId}" before its ProductCreated.`);
      return { ...state, price: { ...event.data.price }, version: event.aggregateVersion };
    default:
      throw new UnreachableCaseError(event, 'products event');
  }
}
