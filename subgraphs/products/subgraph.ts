import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import type { Outbox } from '../../platform/events/outbox';
import type { Database } from '../../platform/storage/database';
import type { Clock } from '../../platform/clock';
import type { Viewer } from '../../platform/auth/identity';
import type { SubgraphDefinition } from '../../platform/subgraph';
import { createLoaders, type ProductLoaders } from './loaders';
import { resolvers } from './resolvers';
import { seedProducts } from './seed';

/** What every products resolver receives. */
export interface ProductsContext {
  viewer: Viewer;
  /** The request's id (the gateway's `x-request-id`): the correlation id of the events it causes. */
  requestId: string;
  db: Database;
  /** The products event log; commands append to it in their transaction. */
  outbox: Outbox;
  clock: Clock;
  loaders: ProductLoaders;
}

/** The products subgraph: the catalog. */
export function productsSubgraph(deps: { db: Database; outbox: Outbox; clock: Clock }): SubgraphDefinition<ProductsContext> {
  return {
    name: 'products',
    typeDefs: parse(fs.readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8')),
    resolvers,
    migrationsDir: path.join(__dirname, 'migrations'),
    createContext: (viewer, requestId) => ({
      viewer,
      requestId,
      db: deps.db,
      outbox: deps.outbox,
      clock: deps.clock,
      loaders: createLoaders(deps.db),
    }),
    seed: (db) => seedProducts(db, deps.outbox),
  };
}
