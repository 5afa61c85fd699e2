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
import { reviewsProjections } from './projections';

/** What every reviews resolver receives. */
export interface ReviewsContext {
  viewer: Viewer;
  /** The request's id (the gateway's `x-request-id`): the correlation id of the events it causes. */
  requestId: string;
  db: Database;
  /** The reviews event log; commands append to it in their transaction. */
  outbox: Outbox;
  clock: Clock;
  loaders: ReviewLoaders;
}

/** The reviews subgraph: reviews of products, and their rating summaries projected from its event log. */
export function reviewsSubgraph(deps: { db: Database; outbox: Outbox; clock: Clock }): SubgraphDefinition<ReviewsContext> {
  return {
    name: 'reviews',
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
    seed: (db) => seedReviews(db, deps.outbox),
    projections: reviewsProjections,
  };
}
