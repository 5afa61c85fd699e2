import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import type { Outbox } from '../../platform/events/outbox';
import type { Database } from '../../platform/storage/database';
import type { Clock } from '../../platform/clock';
import type { Viewer } from '../../platform/auth/identity';
import type { SubgraphDefinition } from '../../platform/subgraph';
import { createLoaders, type InventoryLoaders } from './loaders';
import { resolvers } from './resolvers';
import { seedInventory } from './seed';

/** What every inventory resolver receives. */
export interface InventoryContext {
  viewer: Viewer;
  db: Database;
  clock: Clock;
  loaders: InventoryLoaders;
}

/** The inventory subgraph: units on hand and shipping estimates. */
export function inventorySubgraph(deps: { db: Database; outbox: Outbox; clock: Clock }): SubgraphDefinition<InventoryContext> {
  return {
    name: 'inventory',
    typeDefs: parse(fs.readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8')),
    resolvers,
    migrationsDir: path.join(__dirname, 'migrations'),
    createContext: (viewer) => ({ viewer, db: deps.db, clock: deps.clock, loaders: createLoaders(deps.db) }),
    seed: seedInventory,
  };
}
