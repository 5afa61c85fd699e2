import type { Database } from '../../../platform/storage/database';
import type { CommandRequest } from '../../../platform/command';
import type { EventBus } from '../../../platform/events/eventBus';
import type { Outbox } from '../../../platform/events/outbox';
import { rebuildReadModel } from '../../../platform/events/rebuildReadModel';
import { reviewsReadModels, type ReviewsReadModel } from '../projections';

/** Rebuilds one reviews read model while the subgraph runs: from the reviews event log, or `KNOWN_PRODUCTS` from the products stream (ADMIN only; see `rebuildReadModel`). */
export function rebuildReviewsReadModel(
  deps: { db: Database; outbox: Outbox; bus: EventBus },
  { viewer, input }: CommandRequest<{ name: ReviewsReadModel }>,
): Promise<{ name: ReviewsReadModel; eventsReplayed: number }> {
  return rebuildReadModel(deps, viewer, reviewsReadModels, input.name);
}
