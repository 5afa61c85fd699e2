import { ErrorCode } from '../../../platform/errors';
import { badInputOf, domainErrorOf } from '../../../tests/support/domainErrors';
import { decideRestock, evolveStock, validateRestock, MAX_RESTOCK_QUANTITY, MAX_STOCK } from './stock';

const valid = { productId: '4b1c1f8e-0a7e-4c9b-9d55-0c5d2f0b9f10', quantity: 5 };

describe('validateRestock', () => {
  it('given a UUID and a quantity in range, then it accepts them', () => {
    expect(validateRestock(valid)).toEqual(valid);
    expect(validateRestock({ ...valid, quantity: 1 }).quantity).toBe(1);
    expect(validateRestock({ ...valid, quantity: MAX_RESTOCK_QUANTITY }).quantity).toBe(MAX_RESTOCK_QUANTITY);
  });

  it('given an upper-case UUID, then it returns it in canonical lower case', () => {
    expect(validateRestock({ ...valid, productId: valid.productId.toUpperCase() }).productId).toBe(valid.productId);
  });

  it.each([
    [{ productId: 'not-a-uuid' }, 'input.productId'],
    [{ productId: "1'; drop table inventory.stock; --" }, 'input.productId'],
    [{ quantity: 0 }, 'input.quantity'],
    [{ quantity: -3 }, 'input.quantity'],
    [{ quantity: 2.5 }, 'input.quantity'],
    [{ quantity: MAX_RESTOCK_QUANTITY + 1 }, 'input.quantity'],
  ])('given %j, then it is rejected naming %s', (change, field) => {
    expect(badInputOf(() => validateRestock({ ...valid, ...change })).field).toBe(field);
  });

  it('given a bad quantity, then the message states the contract and the value received', () => {
    expect(() => validateRestock({ ...valid, quantity: 0 })).toThrow(`Quantity must be an integer from 1 to ${MAX_RESTOCK_QUANTITY}, got 0.`);
  });
});

describe('decideRestock', () => {
  const productId = valid.productId;

  it('given a product never stocked, when 5 units arrive, then StockRestocked has 5 on hand at version 1', () => {
    expect(decideRestock({ productId, quantity: 5 }, { quantity: 0, version: 0 })).toEqual([
      { type: 'StockRestocked', aggregateId: productId, aggregateVersion: 1, data: { productId, quantity: 5, stock: 5 } },
    ]);
  });

  it('given 7 on hand after 2 restocks, when 3 arrive, then 10 are on hand at version 3', () => {
    const [event] = decideRestock({ productId, quantity: 3 }, { quantity: 7, version: 2 });
    expect(event).toMatchObject({ aggregateVersion: 3, data: { quantity: 3, stock: 10 } });
    expect(evolveStock({ quantity: 7, version: 2 }, event!)).toEqual({ quantity: 10, version: 3 });
  });

  it('given stock at the ceiling less one, when 1 arrives it fits, when 2 arrive it is a CONFLICT', () => {
    expect(decideRestock({ productId, quantity: 1 }, { quantity: MAX_STOCK - 1, version: 4 })[0]!.data.stock).toBe(MAX_STOCK);
    expect(domainErrorOf(() => decideRestock({ productId, quantity: 2 }, { quantity: MAX_STOCK - 1, version: 4 }), ErrorCode.CONFLICT).message).toBe(
      `Stock of product "${productId}" may not exceed ${MAX_STOCK} units; adding 2 would pass it.`,
    );
  });
});
