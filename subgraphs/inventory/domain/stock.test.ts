import { badInputOf } from '../../../tests/support/domainErrors';
import { validateRestock, MAX_RESTOCK_QUANTITY } from './stock';

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
