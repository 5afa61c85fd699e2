import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import type { Outbox } from '../../platform/events/outbox';
import type { Database } from '../../platform/storage/database';
import type { Clock } from '../../platform/clock';
import type { Viewer } from '../../platform/auth/identity';
import type { SubgraphDefinition } from '../../platform/subgraph';
import { createLoaders, type ReviewLoaders } from './loaders';
import { resolvers } from './resolvers';
import { seedReviews } from './seed';

/** What every reviews resolver receives. */
export interface ReviewsContext {
  viewer: Viewer;
  db: Database;
  clock: Clock;
  loaders: ReviewLoaders;
}

/** The reviews subgraph: reviews of products and their rating summaries. */
export function reviewsSubgraph(deps: { db: Database; outbox: Outbox; clock: Clock }): SubgraphDefinition<ReviewsContext> {
  return {
    name: 'reviews',
    typeDefs: parse(fs.readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8')),
    resolvers,
    migrationsDir: path.join(__dirname, 'migrations'),
    createContext: (viewer) => ({ viewer, db: deps.db, clock: deps.clock, loaders: createLoaders(deps.db) }),
    seed: seedReviews,
  };
}
