import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import type { Outbox } from '../../platform/events/outbox';
import type { Database } from '../../platform/storage/database';
import type { Clock } from '../../platform/clock';
import type { Viewer } from '../../platform/auth/identity';
import type { SubgraphDefinition } from '../../platform/subgraph';
import { reservationsConsumer } from './consumers/reservations';
import { createLoaders, type InventoryLoaders } from './loaders';
import { resolvers } from './resolvers';
import { seedInventory } from './seed';

/** What every inventory resolver receives. */
export interface InventoryContext {
  viewer: Viewer;
  /** The gateway's request id: the correlation id of the events this request causes. */
  requestId: string;
  db: Database;
  outbox: Outbox;
  clock: Clock;
  loaders: InventoryLoaders;
}

/** The inventory subgraph: units on hand, reservations for orders (the order saga) and shipping estimates. */
export function inventorySubgraph(deps: { db: Database; outbox: Outbox; clock: Clock }): SubgraphDefinition<InventoryContext> {
  return {
    name: 'inventory',
    typeDefs: parse(fs.readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8')),
    resolvers,
    migrationsDir: path.join(__dirname, 'migrations'),
    createContext: (viewer, requestId) => ({ viewer, requestId, db: deps.db, outbox: deps.outbox, clock: deps.clock, loaders: createLoaders(deps.db) }),
    seed: (db) => seedInventory(db, deps.outbox),
    consumers: [reservationsConsumer({ outbox: deps.outbox, clock: deps.clock })],
  };
}
