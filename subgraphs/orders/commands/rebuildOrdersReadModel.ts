import type { Database } from '../../../platform/storage/database';
import type { CommandRequest } from '../../../platform/command';
import type { Outbox } from '../../../platform/events/outbox';
import { rebuildReadModel } from '../../../platform/events/rebuildReadModel';
import { ordersReadModels, type OrdersReadModel } from '../projections';

/** Rebuilds one orders read model from the orders event log while the subgraph runs (ADMIN only; see `rebuildReadModel`). */
export function rebuildOrdersReadModel(
  deps: { db: Database; outbox: Outbox },
  { viewer, input }: CommandRequest<{ name: OrdersReadModel }>,
): Promise<{ name: OrdersReadModel; eventsReplayed: number }> {
  return rebuildReadModel(deps, viewer, ordersReadModels, input.name);
}
