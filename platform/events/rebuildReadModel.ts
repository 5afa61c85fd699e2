import type { Database } from '../storage/database';
import type { Viewer } from '../auth/identity';
import { requireAdmin } from '../auth/authorize';
import { badInput } from '../errors';
import type { EventBus } from './eventBus';
import type { Outbox } from './outbox';
import { rebuildProjection, type Projection } from './projection';
import { rebuildFromStream, type StreamReadModel } from './streamReadModel';

/**
 * Rebuilds the read model `name` (a value of the subgraph's read-model enum,
 * a key of `readModels`) while the subgraph runs. ADMIN only. A projection
 * of the subgraph's own event log is rebuilt by `rebuildProjection`, in one
 * transaction holding the projection's checkpoint row: readers see the old
 * rows until it commits, and the live projection runner waits, then goes on
 * after the rebuilt position, so no event is applied twice. A read model fed
 * by another domain's stream is rebuilt from that stream by
 * `rebuildFromStream`. Returns how many events it replayed.
 */
export async function rebuildReadModel<Name extends string>(
  deps: { db: Database; outbox: Outbox; bus: EventBus },
  viewer: Viewer,
  readModels: Readonly<Record<Name, Projection | StreamReadModel>>,
  name: Name,
): Promise<{ name: Name; eventsReplayed: number }> {
  requireAdmin(viewer, 'rebuild read models');
  const projection = Object.hasOwn(readModels, name) ? readModels[name] : undefined;
  // GraphQL admits only the enum's values; a caller in this process could still pass anything.
  if (!projection) throw badInput('input.name', `name must be one of ${Object.keys(readModels).join(', ')}, got "${String(name)}".`);
  const eventsReplayed =
    'handle' in projection
      ? await rebuildFromStream({ db: deps.db, bus: deps.bus, schema: deps.outbox.schema }, projection)
      : await rebuildProjection(deps.db, deps.outbox, projection);
  return { name, eventsReplayed };
}
