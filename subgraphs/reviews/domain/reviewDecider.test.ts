import { ErrorCode } from '../../../platform/errors';
import type { NewEvent } from '../../../platform/events/outbox';
import { deciderSpec } from '../../../tests/support/deciderSpec';
import { evolve, type ReviewState, type ReviewsEvent } from './review';
import { decide, type ReviewsCommand } from './reviewDecider';

const reviewId = '5e7a0c1d-0000-4000-8000-000000000009';
const authorId = 'B0B0B0B0-0000-4000-8000-000000000002';
const review = { productId: 'A1B2C3D4-0000-4000-8000-000000000001', rating: 4, body: '  Solid.  ' };

const { given } = deciderSpec<ReviewsCommand, NewEvent<ReviewsEvent>, ReviewState>(decide, evolve, null);
const added: NewEvent<ReviewsEvent> = {
  type: 'ReviewAdded',
  aggregateId: reviewId,
  aggregateVersion: 1,
  data: { productId: 'a1b2c3d4-0000-4000-8000-000000000001', authorId: 'b0b0b0b0-0000-4000-8000-000000000002', rating: 4, body: 'Solid.' },
};

describe('reviews decide', () => {
  it('given no review, when adding one, then ReviewAdded with lower-case ids and the trimmed body, at version 1', () => {
    given()
      .when({ type: 'AddReview', reviewId, authorId, review })
      .then([
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
    expect(
      given()
        .when({ type: 'AddReview', reviewId, authorId, review: { ...review, ...change } })
        .then(ErrorCode.BAD_USER_INPUT).field,
    ).toBe(field);
  });

  it('given a review with the id, when adding one with it, then CONFLICT', () => {
    given(added).when({ type: 'AddReview', reviewId, authorId, review }).then(ErrorCode.CONFLICT);
  });
});
