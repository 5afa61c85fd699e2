import { ErrorCode } from '../../../platform/errors';
import { deciderSpec } from '../../../tests/support/deciderSpec';
import type { NewEvent } from '../../../platform/events/outbox';
import type { ProductsEvent } from '../../../schema/events/products';
import { evolve, type ProductState } from './product';
import { decide, type ProductsCommand } from './productDecider';

const productId = 'a1b2c3d4-0000-4000-8000-000000000001';
const newProduct = { sku: 'BOO-0100', name: ' A Book ', price: { amount: 1999, currency: 'USD' }, weightGrams: 300, category: 'books' };
const created: NewEvent<ProductsEvent> = {
  type: 'ProductCreated',
  aggregateId: productId,
  aggregateVersion: 1,
  data: { sku: 'BOO-0100', name: 'A Book', description: '', price: { amount: 1999, currency: 'USD' }, weightGrams: 300, category: 'books' },
};

const { given } = deciderSpec<ProductsCommand, NewEvent<ProductsEvent>, ProductState | null>(decide, evolve, null);

describe('products decide', () => {
  describe('CreateProduct', () => {
    it('given no product, when created, then ProductCreated with the normalised fields at version 1', () => {
      given().when({ type: 'CreateProduct', productId, product: newProduct }).then([created]);
    });

    it('given an invalid product, when created, then BAD_USER_INPUT names the field', () => {
      expect(
        given()
          .when({ type: 'CreateProduct', productId, product: { ...newProduct, weightGrams: 0 } })
          .then(ErrorCode.BAD_USER_INPUT).field,
      ).toBe('input.weightGrams');
    });

    it('given the product exists, when created again with its id, then CONFLICT', () => {
      given(created).when({ type: 'CreateProduct', productId, product: newProduct }).then(ErrorCode.CONFLICT);
    });
  });

  describe('ChangeProductPrice', () => {
    const change = (amount: number, currency = 'USD') => ({ type: 'ChangeProductPrice' as const, productId, price: { amount, currency } });

    it('given a product at version 1, when repriced, then ProductPriceChanged with the previous price at version 2', () => {
      given(created)
        .when(change(2499))
        .then([
          {
            type: 'ProductPriceChanged',
            aggregateId: productId,
            aggregateVersion: 2,
            data: { price: { amount: 2499, currency: 'USD' }, previousPrice: { amount: 1999, currency: 'USD' } },
          },
        ]);
    });

    it('given a product repriced twice, when repriced again, then the version follows the events seen', () => {
      const [event] = given(created, ...given(created).when(change(2000)).events())
        .when(change(2100, 'EUR'))
        .events();
      expect(event).toMatchObject({
        aggregateVersion: 3,
        data: { price: { amount: 2100, currency: 'EUR' }, previousPrice: { amount: 2000, currency: 'USD' } },
      });
    });

    it('given a product, when set to the price it has, then no event', () => {
      given(created).when(change(1999)).then([]);
    });

    it('given no product, when repriced, then NOT_FOUND', () => {
      expect(given().when(change(2499)).then(ErrorCode.NOT_FOUND).message).toContain(productId);
    });

    it.each([
      [{ amount: 0, currency: 'USD' }, 'input.price.amount'],
      [{ amount: 100, currency: 'usd' }, 'input.price.currency'],
    ])('given a product, when repriced to %j, then BAD_USER_INPUT names %s', (price, field) => {
      expect(given(created).when({ type: 'ChangeProductPrice', productId, price }).then(ErrorCode.BAD_USER_INPUT).field).toBe(field);
    });
  });
});

describe('products evolve', () => {
  it('given ProductCreated, then the state holds its fields at version 1', () => {
    expect(given(created).state).toEqual({ id: productId, ...(created.data as object), version: 1 });
  });

  it('given ProductCreated and a price change, then the state has the new price and the change’s version', () => {
    const [changed] = given(created)
      .when({ type: 'ChangeProductPrice', productId, price: { amount: 500, currency: 'USD' } })
      .events();
    expect(given(created, changed!).state).toMatchObject({ price: { amount: 500, currency: 'USD' }, version: 2, sku: 'BOO-0100' });
  });

  it('given a price change without a product, then it refuses: the log is out of order', () => {
    const [changed] = given(created)
      .when({ type: 'ChangeProductPrice', productId, price: { amount: 500, currency: 'USD' } })
      .events();
    expect(() => given(changed!)).toThrow(/before its ProductCreated/);
  });
});
