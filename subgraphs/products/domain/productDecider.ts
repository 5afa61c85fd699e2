import type { NewEvent } from '../../../platform/events/outbox';
import { conflict, notFound } from '../../../platform/errors';
import type { ProductsEvent } from '../../../schema/events/products';
import type { Money } from '../../../schema/events/money';
import { validateNewProduct, validatePrice, type NewProduct, type ProductState } from './product';
import { UnreachableCaseError } from '../../../platform/unreachableCaseError';

/** Add a product to the catalog under the id the handler chose. */
export interface CreateProduct {
  type: 'CreateProduct';
  productId: string;
  product: NewProduct;
}

/** Set a product's unit price. */
export interface ChangeProductPrice {
  type: 'ChangeProductPrice';
  productId: string;
  price: Money;
}

/** Every command the products domain decides. */
export type ProductsCommand = CreateProduct | ChangeProductPrice;

/**
 * Decides a command against the product's state (null when no product has
 * the command's id) and returns the events it causes, none when it changes
 * nothing. Throws BAD_USER_INPUT for invalid input, CONFLICT when creating
 * over an existing product and NOT_FOUND when repricing a missing one.
 * Whether a SKU is taken is not decided here: the unique SKU constraint
 * decides it when the row is written.
 */
export function decide(command: ProductsCommand, state: ProductState | null): NewEvent<ProductsEvent>[] {
  switch (command.type) {
    case 'CreateProduct': {
      if (state) throw conflict(`A product with id "${command.productId}" already exists.`);
      const { sku, name, description, price, weightGrams, category } = validateNewProduct(command.product);
      return [
        {
          type: 'ProductCreated',
          aggregateId: command.productId,
          aggregateVersion: 1,
          data: { sku, name, description, price: { amount: price.amount, currency: price.currency }, weightGrams, category },
        },
      ];
    }
    case 'ChangeProductPrice': {
      validatePrice(command.price, 'input.price');
      if (!state) throw notFound(`No product has id "${command.productId}".`, 'input.productId');
      const price = { amount: command.price.amount, currency: command.price.currency };
      // The price it already has: nothing happened, so nothing is recorded and the version stays.
      if (price.amount === state.price.amount && price.currency === state.price.currency) return [];
      return [
        {
          type: 'ProductPriceChanged',
          aggregateId: state.id,
          aggregateVersion: state.version + 1,
          data: { price, previousPrice: { amount: state.price.amount, currency: state.price.currency } },
        },
      ];
    }
    default:
      throw new UnreachableCaseError(command, 'products command');
  }
}
