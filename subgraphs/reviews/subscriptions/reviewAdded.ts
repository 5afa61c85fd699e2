import { badInput } from '../../../platform/errors';
import type { DeliveredEvent } from '../../../platform/events/event';
import { decodeEventCursor, encodeEventCursor } from '../../../platform/events/eventCursor';
import { watchEvents } from '../../../platform/events/watchEvents';
import { isUuid } from '../../../platform/ids';
import type { ReviewAdded } from '../domain/review';
import type { ReviewsContext } from '../subgraph';

/** The reviews stream, which `reviewAdded` follows. */
const DOMAIN = 'reviews';

/** One `ReviewAddedEvent` (the GraphQL payload) as resolvers receive it; `review` resolves from `reviewId`. */
export interface ReviewAddedEvent {
  /** The event's position in the reviews stream, opaque (`encodeEventCursor`). */
  cursor: string;
  reviewId: string;
  productId: string;
  occurredAt: string;
}

/** The payload a `ReviewAdded` (from the bus) makes. */
export function reviewAddedEventOf(event: DeliveredEvent<ReviewAdded>): ReviewAddedEvent {
  return {
    cursor: encodeEventCursor(DOMAIN, event.sequence),
    reviewId: event.aggregateId,
    productId: event.data.productId,
    occurredAt: event.occurredAt,
  };
}

/** What a subscriber to `productId`'s reviews (lower case) sees of each reviews event: the payload when it is a review of that product, else null. */
export function reviewAddedFor(productId: string): (event: DeliveredEvent) => ReviewAddedEvent | null {
  return (event) => {
    if (event.type !== 'ReviewAdded') return null;
    const added = reviewAddedEventOf(event as DeliveredEvent<ReviewAdded>);
    return typeof added.productId === 'string' && added.productId.toLowerCase() === productId ? added : null;
  };
}

/** The arguments of `Subscription.reviewAdded`. */
export interface ReviewAddedArgs {
  productId: string;
  after?: string | null;
}

/**
 * The `subscribe` resolver of `reviewAdded`: reviews of one product from now
 * on, or exactly those after the cursor `after`. Public. A malformed
 * `productId` or `after` is BAD_USER_INPUT before anything is watched.
 */
export async function subscribeToReviewsAdded(ctx: ReviewsContext, args: ReviewAddedArgs): Promise<AsyncIterableIterator<ReviewAddedEvent>> {
  if (!isUuid(args.productId))
    throw badInput('productId', `Expected \`productId\` to be a product id (a UUID), got ${JSON.stringify(String(args.productId).slice(0, 60))}.`);
  const after = args.after === undefined || args.after === null ? undefined : decodeEventCursor(args.after, DOMAIN, 'after');
  return watchEvents(ctx.bus, { domain: DOMAIN, types: ['ReviewAdded'], after }, reviewAddedFor(args.productId.toLowerCase()));
}
