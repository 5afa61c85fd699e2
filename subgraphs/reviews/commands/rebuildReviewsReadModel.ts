import type { Database } from '../../../platform/storage/database';
import type { CommandRequest } from '../../../platform/command';
import type { Outbox } from '../../../platform/events/outbox';
import { rebuildReadModel } from '../../../platform/events/rebuildReadModel';
import { reviewsReadModels, type ReviewsReadModel } from '../projections';

/** Rebuilds one reviews read model from the reviews event log while the subgraph runs (ADMIN only; see `rebuildReadModel`). */
export function rebuildReviewsReadModel(
  deps: { db: Database; outbox: Outbox },
  { viewer, input }: CommandRequest<{ name: ReviewsReadModel }>,
): Promise<{ name: ReviewsReadModel; eventsReplayed: number }> {
  return rebuildReadModel(deps, viewer, reviewsReadModels, input.name);
}
