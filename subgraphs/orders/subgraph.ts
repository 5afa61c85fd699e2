import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import type { Outbox } from '../../platform/events/outbox';
import type { Database } from '../../platform/storage/database';
import type { Clock } from '../../platform/clock';
import type { Viewer } from '../../platform/auth/identity';
import type { SubgraphDefinition } from '../../platform/subgraph';
import type { ProductCatalog } from './productCatalog';
import { createLoaders, type OrderLoaders } from './loaders';
import { resolvers } from './resolvers';
import { seedOrders } from './seed';

/** What every orders resolver receives. */
export interface OrdersContext {
  viewer: Viewer;
  db: Database;
  clock: Clock;
  /** Where unit prices come from when an order is placed. */
  catalog: ProductCatalog;
  loaders: OrderLoaders;
}

/** The orders subgraph: customers' orders, priced when placed. */
export function ordersSubgraph(deps: { db: Database; outbox: Outbox; clock: Clock; catalog: ProductCatalog }): SubgraphDefinition<OrdersContext> {
  return {
    name: 'orders',
    typeDefs: parse(fs.readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8')),
    resolvers,
    migrationsDir: path.join(__dirname, 'migrations'),
    createContext: (viewer) => ({ viewer, db: deps.db, clock: deps.clock, catalog: deps.catalog, loaders: createLoaders(deps.db) }),
    seed: seedOrders,
  };
}
