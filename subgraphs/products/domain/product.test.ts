import { badInputOf } from '../../../tests/support/domainErrors';
import { validateNewProduct, validatePrice } from './product';

const valid = { sku: 'BOO-0100', name: ' A Book ', price: { amount: 1999, currency: 'USD' }, weightGrams: 300, category: 'books' };

describe('validateNewProduct', () => {
  it('accepts a valid product and trims its name', () => {
    expect(validateNewProduct(valid)).toMatchObject({ name: 'A Book', description: '' });
  });

  it.each([
    [{ sku: 'x' }, 'input.sku'],
    [{ name: '   ' }, 'input.name'],
    [{ name: 'n'.repeat(201) }, 'input.name'],
    [{ description: 'd'.repeat(5001) }, 'input.description'],
    [{ price: { amount: 0, currency: 'USD' } }, 'input.price.amount'],
    [{ price: { amount: -5, currency: 'USD' } }, 'input.price.amount'],
    [{ price: { amount: 100, currency: 'usd' } }, 'input.price.currency'],
    [{ weightGrams: 0 }, 'input.weightGrams'],
    [{ category: 'Books!' }, 'input.category'],
  ])('rejects %j naming %s', (change, field) => {
    expect(badInputOf(() => validateNewProduct({ ...valid, ...change })).field).toBe(field);
  });
});

describe('validatePrice', () => {
  it('names the field under the given path', () => {
    expect(badInputOf(() => validatePrice({ amount: 1.5, currency: 'EUR' }, 'input.price')).field).toBe('input.price.amount');
  });
});
