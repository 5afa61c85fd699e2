import { badInputOf, domainErrorOf } from '../../../tests/support/domainErrors';
import { ErrorCode } from '../../../platform/errors';
import type { NewEvent } from '../../../platform/events/outbox';
import type { ProductsEvent } from '../../../schema/events/products';
import { decide, evolve, type ProductState } from './decider';

const productId = 'a1b2c3d4-0000-4000-8000-000000000001';
const newProduct = { sku: 'BOO-0100', name: ' A Book ', price: { amount: 1999, currency: 'USD' }, weightGrams: 300, category: 'books' };
const created: NewEvent<ProductsEvent> = {
  type: 'ProductCreated',
  aggregateId: productId,
  aggregateVersion: 1,
  data: { sku: 'BOO-0100', name: 'A Book', description: '', price: { amount: 1999, currency: 'USD' }, weightGrams: 300, category: 'books' },
};

/** The state after `events`, as the handlers and a rebuild compute it. */
const given = (...events: NewEvent<ProductsEvent>[]): ProductState | null => events.reduce<ProductState | null>(evolve, null);

describe('products decide', () => {
  describe('CreateProduct', () => {
    it('given no product, when created, then ProductCreated with the normalised fields at version 1', () => {
      expect(decide({ type: 'CreateProduct', productId, product: newProduct }, null)).toEqual([created]);
    });

    it('given an invalid product, when created, then BAD_USER_INPUT names the field', () => {
      expect(badInputOf(() => decide({ type: 'CreateProduct', productId, product: { ...newProduct, weightGrams: 0 } }, null)).field).toBe(
        'input.weightGrams',
      );
    });

    it('given the product exists, when created again with its id, then CONFLICT', () => {
      domainErrorOf(() => decide({ type: 'CreateProduct', productId, product: newProduct }, given(created)), ErrorCode.CONFLICT);
    });
  });

  describe('ChangeProductPrice', () => {
    const change = (amount: number, currency = 'USD') => ({ type: 'ChangeProductPrice' as const, productId, price: { amount, currency } });

    it('given a product at version 1, when repriced, then ProductPriceChanged with the previous price at version 2', () => {
      expect(decide(change(2499), given(created))).toEqual([
        {
          type: 'ProductPriceChanged',
          aggregateId: productId,
          aggregateVersion: 2,
          data: { price: { amount: 2499, currency: 'USD' }, previousPrice: { amount: 1999, currency: 'USD' } },
        },
      ]);
    });

    it('given a product repriced twice, when repriced again, then the version follows the events seen', () => {
      const state = given(created, ...decide(change(2000), given(created)));
      const [event] = decide(change(2100, 'EUR'), state);
      expect(event).toMatchObject({
        aggregateVersion: 3,
        data: { price: { amount: 2100, currency: 'EUR' }, previousPrice: { amount: 2000, currency: 'USD' } },
      });
    });

    it('given a product, when set to the price it has, then no event', () => {
      expect(decide(change(1999), given(created))).toEqual([]);
    });

    it('given no product, when repriced, then NOT_FOUND', () => {
      expect(domainErrorOf(() => decide(change(2499), null), ErrorCode.NOT_FOUND).message).toContain(productId);
    });

    it.each([
      [{ amount: 0, currency: 'USD' }, 'input.price.amount'],
      [{ amount: 100, currency: 'usd' }, 'input.price.currency'],
    ])('given a product, when repriced to %j, then BAD_USER_INPUT names %s', (price, field) => {
      expect(badInputOf(() => decide({ type: 'ChangeProductPrice', productId, price }, given(created))).field).toBe(field);
    });
  });
});

describe('products evolve', () => {
  it('given ProductCreated, then the state holds its fields at version 1', () => {
    expect(given(created)).toEqual({ id: productId, ...(created.data as object), version: 1 });
  });

  it('given ProductCreated and a price change, then the state has the new price and the change’s version', () => {
    const [changed] = decide({ type: 'ChangeProductPrice', productId, price: { amount: 500, currency: 'USD' } }, given(created));
    expect(given(created, changed!)).toMatchObject({ price: { amount: 500, currency: 'USD' }, version: 2, sku: 'BOO-0100' });
  });

  it('given a price change without a product, then it refuses: the log is out of order', () => {
    const [changed] = decide({ type: 'ChangeProductPrice', productId, price: { amount: 500, currency: 'USD' } }, given(created));
    expect(() => evolve(null, changed!)).toThrow(/before its ProductCreated/);
  });
});
