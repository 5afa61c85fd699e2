import type { Database } from '../../../platform/storage/database';
import type { Viewer } from '../../../platform/auth/identity';
import { requireAdmin } from '../../../platform/auth/authorize';
import { badInput } from '../../../platform/errors';
import type { Outbox } from '../../../platform/events/outbox';
import { rebuildProjection } from '../../../platform/events/projection';
import { reviewsReadModels, type ReviewsReadModel } from '../projections';

/**
 * Rebuilds one reviews read model from the reviews event log while the subgraph
 * runs. ADMIN only. `rebuildProjection` does it in one transaction holding
 * the projection's checkpoint row: readers see the old rows until it commits,
 * and the live projection runner waits, then goes on after the rebuilt
 * position, so no event is applied twice. Returns how many events it replayed.
 */
export async function rebuildReviewsReadModel(
  deps: { db: Database; outbox: Outbox },
  viewer: Viewer,
  input: { name: ReviewsReadModel },
): Promise<{ name: ReviewsReadModel; eventsReplayed: number }> {
  requireAdmin(viewer, 'rebuild read models');
  const projection = Object.hasOwn(reviewsReadModels, input.name) ? reviewsReadModels[input.name] : undefined;
  // GraphQL admits only the enum's values; a caller in this process could still pass anything.
  if (!projection) throw badInput('input.name', `name must be one of ${Object.keys(reviewsReadModels).join(', ')}, got "${String(input.name)}".`);
  const eventsReplayed = await rebuildProjection(deps.db, deps.outbox, projection);
  return { name: input.name, eventsReplayed };
}
