import type { Projection } from '../../../../platform/events/projection';
import type { LoggedEvent } from '../../../../platform/events/outbox';
import type { ReviewAdded } from '../../domain/review';
import { MAX_RATING, MIN_RATING } from '../../domain/review';

/**
 * Keeps `reviews.rating_summary` from the reviews log: each `ReviewAdded`
 * adds one to its product's count and its rating's count, and its rating to
 * the total. It reads nothing but the event (no clock, no other table), so a
 * rebuild from the log gives exactly the rows the live run gave.
 */
export const ratingSummaryProjection: Projection = {
  name: 'ratingSummary',
  types: ['ReviewAdded'],
  async apply(event, tx) {
    if (event.type !== 'ReviewAdded') return;
    const { productId, rating } = (event as LoggedEvent<ReviewAdded>).data;
    // Only `decide` writes these events, but a read model must not silently absorb a malformed one.
    if (!Number.isInteger(rating) || rating < MIN_RATING || rating > MAX_RATING) {
      throw new Error(`ReviewAdded ${event.eventId} has rating ${String(rating)}; expected an integer from ${MIN_RATING} to ${MAX_RATING}.`);
    }
    await tx.query(
      `insert into reviews.rating_summary as s (product_id, count, total, ones, twos, threes, fours, fives)
       values ($1::uuid, 1, $2::integer, ($2::integer = 1)::integer, ($2::integer = 2)::integer, ($2::integer = 3)::integer,
               ($2::integer = 4)::integer, ($2::integer = 5)::integer)
       on conflict (product_id) do update set
         count = s.count + 1,
         total = s.total + excluded.total,
         ones = s.ones + excluded.ones,
         twos = s.twos + excluded.twos,
         threes = s.threes + excluded.threes,
         fours = s.fours + excluded.fours,
         fives = s.fives + excluded.fives`,
      [productId, rating],
    );
  },
  async reset(tx) {
    // `delete`, not `truncate`: it takes no exclusive lock, so readers keep seeing the old rows until a rebuild commits.
    await tx.query('delete from reviews.rating_summary');
  },
};
