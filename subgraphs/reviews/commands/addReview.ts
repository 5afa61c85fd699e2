import type { Database } from '../../../platform/storage/database';
import type { Clock } from '../../../platform/clock';
import type { Viewer } from '../../../platform/auth/identity';
import { requireSignedIn } from '../../../platform/auth/authorize';
import { conflict, unauthenticated } from '../../../platform/errors';
import { isUuid, newId } from '../../../platform/ids';
import { validateNewReview, type NewReview, type Review } from '../domain/review';
import { toReview, type ReviewRow } from '../reviewRow';

/**
 * Reviews a product as the signed-in user; a second review of the same
 * product by the same author is a CONFLICT.
 *
 * The product's existence is not checked: it belongs to the products schema,
 * which this subgraph must not read, and no product events reach reviews yet.
 * Until a product read model fed by events exists here, a well-formed id of a
 * product that does not exist is accepted, and the gateway then finds no
 * product for that review's `product` reference.
 */
export async function addReview(deps: { db: Database; clock: Clock }, viewer: Viewer, input: NewReview): Promise<Review> {
  const author = requireSignedIn(viewer);
  // The identity comes signed from the gateway, but it still must not reach SQL unchecked.
  if (!isUuid(author.userId)) throw unauthenticated(`Your identity names no user id (UUID): "${author.userId}".`);
  const review = validateNewReview(input);
  // The unique (product_id, author_id) constraint decides between two racing reviews; no check before the insert.
  const rows = await deps.db.query<ReviewRow>(
    `insert into reviews.reviews (id, product_id, author_id, rating, body, created_at)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (product_id, author_id) do nothing
     returning *`,
    [newId(), review.productId, author.userId, review.rating, review.body, deps.clock.now()],
  );
  if (!rows[0]) throw conflict(`You have already reviewed product "${review.productId}"; each user may review a product once.`);
  return toReview(rows[0]);
}
