import type { Database } from '../../platform/storage/database';
import type { NewEvent, Outbox } from '../../platform/events/outbox';
import { SEED_REVIEWS } from '../../platform/seedData';
import type { ReviewAdded } from './domain/review';

/**
 * Loads the demo reviews into an empty reviews table and appends a
 * `ReviewAdded` for each in the same transaction, so the rating summaries
 * projected from the log count them; does nothing when reviews exist.
 */
export async function seedReviews(db: Database, outbox: Outbox): Promise<void> {
  await db.transaction(async (tx) => {
    const [{ n } = { n: '0' }] = await tx.query<{ n: string }>('select count(*) as n from reviews.reviews');
    if (Number(n) > 0) return;
    const events: NewEvent<ReviewAdded>[] = [];
    for (const r of SEED_REVIEWS) {
      // `on conflict do nothing`: another instance starting at the same moment may have seeded first.
      const inserted = await tx.query(
        `insert into reviews.reviews (id, product_id, author_id, rating, body, created_at)
         values ($1, $2, $3, $4, $5, $6)
         on conflict do nothing
         returning id`,
        [r.id, r.productId, r.authorId, r.rating, r.body, r.createdAt],
      );
      // Only a row this transaction wrote gets an event; the other instance recorded its own.
      if (!inserted.length) continue;
      events.push({
        type: 'ReviewAdded',
        aggregateId: r.id,
        aggregateVersion: 1,
        data: { productId: r.productId, authorId: r.authorId, rating: r.rating, body: r.body },
      });
    }
    await outbox.append(tx, { correlationId: 'seed', causationId: null }, events);
  });
}
