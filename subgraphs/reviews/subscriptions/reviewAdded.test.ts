import type { DeliveredEvent } from '../../../platform/events/event';
import { decodeEventCursor } from '../../../platform/events/eventCursor';
import type { ReviewAdded } from '../domain/review';
import { reviewAddedEventOf, reviewAddedFor } from './reviewAdded';

const PRODUCT = '00000000-0000-4000-8000-00000000f001';
const OTHER_PRODUCT = '00000000-0000-4000-8000-00000000f002';
const REVIEW = '00000000-0000-4000-8000-0000000000e1';

function reviewAdded(productId = PRODUCT, sequence = 3): DeliveredEvent<ReviewAdded> {
  return {
    eventId: `event-${sequence}`,
    domain: 'reviews',
    type: 'ReviewAdded',
    aggregateId: REVIEW,
    aggregateVersion: 1,
    occurredAt: '2026-03-01T12:00:00.000Z',
    correlationId: 'request',
    causationId: null,
    sequence,
    data: { productId, authorId: '00000000-0000-4000-8000-0000000a11ce', rating: 4, body: 'Good.' },
  };
}

describe('reviewAdded mapping', () => {
  it('maps a ReviewAdded to its payload: the stream position as cursor, the review, its product and the time', () => {
    const added = reviewAddedEventOf(reviewAdded(PRODUCT, 9));
    expect(added).toEqual({ cursor: added.cursor, reviewId: REVIEW, productId: PRODUCT, occurredAt: '2026-03-01T12:00:00.000Z' });
    expect(decodeEventCursor(added.cursor, 'reviews')).toBe(9);
  });

  it('given a product, then only reviews of that product pass', () => {
    const select = reviewAddedFor(PRODUCT);
    expect(select(reviewAdded())?.reviewId).toBe(REVIEW);
    expect(select(reviewAdded(OTHER_PRODUCT))).toBeNull();
    expect(select(reviewAdded(PRODUCT.toUpperCase()))).not.toBeNull();
    expect(select({ ...reviewAdded(), type: 'ReviewEdited' })).toBeNull();
  });
});
