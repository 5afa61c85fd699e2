import type { Outbox } from '../../platform/events/outbox';
import type { EventBus } from '../../platform/events/eventBus';
import type { Database } from '../../platform/storage/database';
import type { Clock } from '../../platform/clock';
import { subgraphContext, subgraphFiles, type SubgraphContext, type SubgraphDefinition } from '../../platform/subgraph';
import { reservationsConsumer } from './consumers/reservations';
import { knownProducts } from './queries/knownProducts/knownProducts';
import { createLoaders, type InventoryLoaders } from './loaders';
import { resolvers } from './resolvers';
import { seedInventory } from './seed';

/** What every inventory resolver receives. */
export interface InventoryContext extends SubgraphContext {
  loaders: InventoryLoaders;
}

/**
 * The inventory subgraph: units on hand, reservations for orders (the order
 * saga) and shipping estimates; it knows which products exist from products'
 * events (`inventory.catalog`).
 */
export function inventorySubgraph(deps: { db: Database; outbox: Outbox; bus: EventBus; clock: Clock }): SubgraphDefinition<InventoryContext> {
  return {
    name: 'inventory',
    ...subgraphFiles(__dirname),
    resolvers,
    createContext: (viewer, requestId) => ({ ...subgraphContext(deps, viewer, requestId), loaders: createLoaders(deps.db) }),
    seed: (db) => seedInventory(db, deps.outbox),
    consumers: [reservationsConsumer({ outbox: deps.outbox, clock: deps.clock }), knownProducts.consumer],
  };
}
