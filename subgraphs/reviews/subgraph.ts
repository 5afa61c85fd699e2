import type { Outbox } from '../../platform/events/outbox';
import type { EventBus } from '../../platform/events/eventBus';
import type { Database } from '../../platform/storage/database';
import type { Clock } from '../../platform/clock';
import { subgraphContext, subgraphFiles, type SubgraphContext, type SubgraphDefinition } from '../../platform/subgraph';
import { createLoaders, type ReviewLoaders } from './loaders';
import { resolvers } from './resolvers';
import { seedReviews } from './seed';
import { reviewsProjections } from './projections';
import { knownProducts } from './queries/knownProducts/knownProducts';

/** What every reviews resolver receives. */
export interface ReviewsContext extends SubgraphContext {
  loaders: ReviewLoaders;
}

/**
 * The reviews subgraph: reviews of products, and their rating summaries
 * projected from its event log; it knows which products exist from products'
 * events (`reviews.catalog`).
 */
export function reviewsSubgraph(deps: { db: Database; outbox: Outbox; bus: EventBus; clock: Clock }): SubgraphDefinition<ReviewsContext> {
  return {
    name: 'reviews',
    ...subgraphFiles(__dirname),
    resolvers,
    createContext: (viewer, requestId) => ({ ...subgraphContext(deps, viewer, requestId), loaders: createLoaders(deps.db) }),
    seed: (db) => seedReviews(db, deps.outbox),
    projections: reviewsProjections,
    consumers: [knownProducts.consumer],
  };
}
