import type { Database } from '../../../platform/storage/database';
import type { CommandRequest } from '../../../platform/command';
import type { EventBus } from '../../../platform/events/eventBus';
import type { Outbox } from '../../../platform/events/outbox';
import { rebuildReadModel } from '../../../platform/events/rebuildReadModel';
import { ordersReadModels, type OrdersReadModel } from '../projections';

/** Rebuilds one orders read model while the subgraph runs: from the orders event log, or `PRODUCT_PRICES` from the products stream (ADMIN only; see `rebuildReadModel`). */
export function rebuildOrdersReadModel(
  deps: { db: Database; outbox: Outbox; bus: EventBus },
  { viewer, input }: CommandRequest<{ name: OrdersReadModel }>,
): Promise<{ name: OrdersReadModel; eventsReplayed: number }> {
  return rebuildReadModel(deps, viewer, ordersReadModels, input.name);
}
