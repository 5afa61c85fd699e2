import type { Database } from '../../../platform/storage/database';
import type { CommandRequest } from '../../../platform/command';
import type { EventBus } from '../../../platform/events/eventBus';
import type { Outbox } from '../../../platform/events/outbox';
import { rebuildReadModel } from '../../../platform/events/rebuildReadModel';
import { inventoryReadModels, type InventoryReadModel } from '../readModels';

/** Rebuilds one inventory read model from the stream that feeds it while the subgraph runs (ADMIN only; see `rebuildReadModel`). */
export function rebuildInventoryReadModel(
  deps: { db: Database; outbox: Outbox; bus: EventBus },
  { viewer, input }: CommandRequest<{ name: InventoryReadModel }>,
): Promise<{ name: InventoryReadModel; eventsReplayed: number }> {
  return rebuildReadModel(deps, viewer, inventoryReadModels, input.name);
}
