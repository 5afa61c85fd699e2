import type { Outbox } from '../../platform/events/outbox';
import type { EventBus } from '../../platform/events/eventBus';
import type { Database } from '../../platform/storage/database';
import type { Clock } from '../../platform/clock';
import { subgraphContext, subgraphFiles, type SubgraphContext, type SubgraphDefinition } from '../../platform/subgraph';
import { createLoaders, type ProductLoaders } from './loaders';
import { resolvers } from './resolvers';
import { seedProducts } from './seed';

/** What every products resolver receives. */
export interface ProductsContext extends SubgraphContext {
  loaders: ProductLoaders;
}

/** The products subgraph: the catalog. */
export function productsSubgraph(deps: { db: Database; outbox: Outbox; bus: EventBus; clock: Clock }): SubgraphDefinition<ProductsContext> {
  return {
    name: 'products',
    ...subgraphFiles(__dirname),
    resolvers,
    createContext: (viewer, requestId) => ({ ...subgraphContext(deps, viewer, requestId), loaders: createLoaders(deps.db) }),
    seed: (db) => seedProducts(db, deps.outbox),
  };
}
