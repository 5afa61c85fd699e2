import type { Database } from '../../../platform/storage/database';
import type { Clock } from '../../../platform/clock';
import type { Outbox } from '../../../platform/events/outbox';
import type { CommandRequest } from '../../../platform/command';
import { requireSignedIn } from '../../../platform/auth/authorize';
import { conflict, notFound, unauthenticated } from '../../../platform/errors';
import { isUuid, newId } from '../../../platform/ids';
import type { NewReview, Review } from '../domain/review';
import { decide } from '../domain/reviewDecider';
import { toReview } from '../reviewRow';
import { insertReview } from '../reviewStore';
import { knownProducts } from '../queries/knownProducts/knownProducts';

/**
 * Reviews a product as the signed-in user; the row and its `ReviewAdded`
 * commit in one transaction. A second review of the same product by the same
 * author is a CONFLICT and records nothing. The product's rating summary is
 * projected from the event afterwards, so it may not count this review yet
 * when the mutation answers.
 *
 * A product id the known-products read model (kept from products'
 * `ProductCreated`, since reviews may not read the products schema) does not
 * hold is NOT_FOUND naming `input.productId`, and records nothing.
 */
export async function addReview(deps: { db: Database; outbox: Outbox; clock: Clock }, { viewer, input, cause }: CommandRequest<NewReview>): Promise<Review> {
  const author = requireSignedIn(viewer);
  // The identity comes signed from the gateway, but it still must not reach SQL unchecked.
  if (!isUuid(author.userId)) throw unauthenticated(`Your identity names no user id (UUID): "${author.userId}".`);
  // A fresh id names no review yet, so the state is null.
  const events = decide({ type: 'AddReview', reviewId: newId(), authorId: author.userId, review: input }, null);
  const added = events[0]!;
  return deps.db.transaction(async (tx) => {
    if (!(await knownProducts.isKnown(tx, added.data.productId))) {
      throw notFound(`No product has id "${input.productId}" (a product created a moment ago may take a moment to be known here).`, 'input.productId');
    }
    // The unique (product_id, author_id) constraint decides between two racing reviews; no check before the insert.
    const row = await insertReview(tx, added.aggregateId, added.data, deps.clock.now());
    if (!row) throw conflict(`You have already reviewed product "${added.data.productId}"; each user may review a product once.`);
    await deps.outbox.append(tx, cause, events);
    return toReview(row);
  });
}
