import type { Database } from '../../../platform/storage/database';
import type { Viewer } from '../../../platform/auth/identity';
import { requireAdmin } from '../../../platform/auth/authorize';
import { badInput } from '../../../platform/errors';
import type { Outbox } from '../../../platform/events/outbox';
import { rebuildProjection } from '../../../platform/events/projection';
import { ordersReadModels, type OrdersReadModel } from '../projections';

/**
 * Rebuilds one orders read model from the orders event log while the subgraph
 * runs. ADMIN only. `rebuildProjection` does it in one transaction holding
 * the projection's checkpoint row: readers see the old rows until it commits,
 * and the live projection runner waits, then goes on after the rebuilt
 * position, so no event is applied twice. Returns how many events it replayed.
 */
export async function rebuildOrdersReadModel(
  deps: { db: Database; outbox: Outbox },
  viewer: Viewer,
  input: { name: OrdersReadModel },
): Promise<{ name: OrdersReadModel; eventsReplayed: number }> {
  requireAdmin(viewer, 'rebuild read models');
  const projection = Object.hasOwn(ordersReadModels, input.name) ? ordersReadModels[input.name] : undefined;
  // GraphQL admits only the enum's values; a caller in this process could still pass anything.
  if (!projection) throw badInput('input.name', `name must be one of ${Object.keys(ordersReadModels).join(', ')}, got "${String(input.name)}".`);
  const eventsReplayed = await rebuildProjection(deps.db, deps.outbox, projection);
  return { name: input.name, eventsReplayed };
}
