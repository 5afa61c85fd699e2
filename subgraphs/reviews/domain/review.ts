import { badInput } from '../../../platform/errors';
import { isUuid } from '../../../platform/ids';
import type { NewEvent } from '../../../platform/events/outbox';

/** A review as the reviews subgraph stores it. */
export interface Review {
  id: string;
  productId: string;
  authorId: string;
  rating: number;
  body: string;
  createdAt: Date;
}

/** Fields of a new review, as a client sends them. */
export interface NewReview {
  productId: string;
  rating: number;
  body: string;
}

export const MIN_RATING = 1;
export const MAX_RATING = 5;
export const MAX_BODY_LENGTH = 2000;

/**
 * Checks a new review and returns it normalised (body trimmed, product id in
 * lower case). Only the product id's shape is checked here; whether the
 * product exists is `addReview`'s question to the known-products read model.
 */
export function validateNewReview(input: NewReview): NewReview {
  if (!isUuid(input.productId)) throw badInput('input.productId', `productId must be a product id (UUID), got "${input.productId}".`);
  if (!Number.isInteger(input.rating) || input.rating < MIN_RATING || input.rating > MAX_RATING) {
    throw badInput('input.rating', `Rating must be an integer from ${MIN_RATING} to ${MAX_RATING}, got ${input.rating}.`);
  }
  const body = input.body.trim();
  if (body.length < 1 || body.length > MAX_BODY_LENGTH) {
    throw badInput('input.body', `Body must be 1 to ${MAX_BODY_LENGTH} characters after trimming, got ${body.length}.`);
  }
  return { productId: input.productId.toLowerCase(), rating: input.rating, body };
}

/**
 * A customer reviewed a product. Aggregate: the review (id), at version 1.
 * The reviews subgraph's rating summaries are projected from these.
 */
export interface ReviewAdded {
  type: 'ReviewAdded';
  data: {
    /** Lower case, as stored. */
    productId: string;
    /** Lower case, as stored. */
    authorId: string;
    /** Stars given, 1 to 5. */
    rating: number;
    /** The text, trimmed. */
    body: string;
  };
}

/** Every event the reviews domain emits. */
export type ReviewsEvent = ReviewAdded;

/**
 * The review with the command's id, or null when there is none. Whether the
 * author already reviewed the product is not part of it: the unique
 * (product, author) constraint decides that when the row is written, so two
 * racing reviews need no read before the insert.
 */
export type ReviewState = Pick<Review, 'id'> | null;

/** The review's state after `event`: an added review exists under its aggregate id. */
export function evolve(_state: ReviewState, event: NewEvent<ReviewsEvent>): ReviewState {
  return { id: event.aggregateId };
}
