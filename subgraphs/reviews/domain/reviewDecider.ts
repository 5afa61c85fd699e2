import type { NewEvent } from '../../../platform/events/outbox';
import { conflict } from '../../../platform/errors';
import { validateNewReview, type NewReview, type ReviewState, type ReviewsEvent } from './review';
import { UnreachableCaseError } from '../../../platform/unreachableCaseError';

/** Review a product as `authorId`, under the review id the handler chose. */
export interface AddReview {
  type: 'AddReview';
  reviewId: string;
  /** The signed-in author (a UUID, checked by the handler). */
  authorId: string;
  review: NewReview;
}

/** Every command the reviews domain decides. */
export type ReviewsCommand = AddReview;

/**
 * Decides a command against the review's state and returns the events it
 * causes. Throws BAD_USER_INPUT for an invalid review and CONFLICT when the
 * id is taken.
 */
export function decide(command: ReviewsCommand, state: ReviewState): NewEvent<ReviewsEvent>[] {
  switch (command.type) {
    case 'AddReview': {
      if (state) throw conflict(`A review with id "${command.reviewId}" already exists.`);
      const { productId, rating, body } = validateNewReview(command.review);
      return [
        {
          type: 'ReviewAdded',
          aggregateId: command.reviewId,
          aggregateVersion: 1,
          data: { productId, authorId: command.authorId.toLowerCase(), rating, body },
        },
      ];
    }
    default:
      throw new UnreachableCaseError(command.type, 'reviews command');
  }
}
