import { badInputOf } from '../../../tests/support/domainErrors';
import { validateNewReview } from './review';

const valid = { productId: 'A1B2C3D4-0000-4000-8000-000000000001', rating: 4, body: '  Solid.  ' };

describe('validateNewReview', () => {
  it('given a valid review, when validated, then the body is trimmed and the product id lower-cased', () => {
    expect(validateNewReview(valid)).toEqual({ productId: 'a1b2c3d4-0000-4000-8000-000000000001', rating: 4, body: 'Solid.' });
  });

  it.each([1, 5])('given the boundary rating %d, when validated, then it is accepted', (rating) => {
    expect(validateNewReview({ ...valid, rating }).rating).toBe(rating);
  });

  it('given a body of exactly 2000 characters after trimming, when validated, then it is accepted', () => {
    expect(validateNewReview({ ...valid, body: ` ${'b'.repeat(2000)} ` }).body).toHaveLength(2000);
  });

  it.each([
    [{ productId: 'not-a-uuid' }, 'input.productId'],
    [{ productId: "'; drop table reviews.reviews; --" }, 'input.productId'],
    [{ rating: 0 }, 'input.rating'],
    [{ rating: 6 }, 'input.rating'],
    [{ rating: 3.5 }, 'input.rating'],
    [{ body: '   ' }, 'input.body'],
    [{ body: 'b'.repeat(2001) }, 'input.body'],
  ])('given %j, when validated, then it is rejected naming %s', (change, field) => {
    expect(badInputOf(() => validateNewReview({ ...valid, ...change })).field).toBe(field);
  });
});
