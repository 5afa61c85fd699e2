import { badInputOf, domainErrorOf } from '../../../tests/support/domainErrors';
import { ErrorCode } from '../../../platform/errors';
import { decide } from './decider';

const reviewId = '5e7a0c1d-0000-4000-8000-000000000009';
const authorId = 'B0B0B0B0-0000-4000-8000-000000000002';
const review = { productId: 'A1B2C3D4-0000-4000-8000-000000000001', rating: 4, body: '  Solid.  ' };

describe('reviews decide', () => {
  it('given no review, when adding one, then ReviewAdded with lower-case ids and the trimmed body, at version 1', () => {
    expect(decide({ type: 'AddReview', reviewId, authorId, review }, null)).toEqual([
      {
        type: 'ReviewAdded',
        aggregateId: reviewId,
        aggregateVersion: 1,
        data: { productId: 'a1b2c3d4-0000-4000-8000-000000000001', authorId: 'b0b0b0b0-0000-4000-8000-000000000002', rating: 4, body: 'Solid.' },
      },
    ]);
  });

  it.each([
    [{ rating: 6 }, 'input.rating'],
    [{ body: ' ' }, 'input.body'],
    [{ productId: 'nope' }, 'input.productId'],
  ])('given %j, when adding, then BAD_USER_INPUT names %s', (change, field) => {
    expect(badInputOf(() => decide({ type: 'AddReview', reviewId, authorId, review: { ...review, ...change } }, null)).field).toBe(field);
  });

  it('given a review with the id, when adding one with it, then CONFLICT', () => {
    domainErrorOf(() => decide({ type: 'AddReview', reviewId, authorId, review }, { id: reviewId }), ErrorCode.CONFLICT);
  });
});
