import type { Projection } from '../../platform/events/projection';
import type { StreamReadModel } from '../../platform/events/streamReadModel';
import { knownProducts } from './queries/knownProducts/knownProducts';
import { ratingSummaryProjection } from './queries/ratingSummary/ratingSummaryProjection';

/** The read models the reviews subgraph keeps from its own event log; the rebuild command finds them here. */
export const reviewsProjections: Projection[] = [ratingSummaryProjection];

/** A value of the GraphQL enum `ReviewsReadModel`. */
export type ReviewsReadModel = 'RATING_SUMMARY' | 'KNOWN_PRODUCTS';

/** Each `ReviewsReadModel` and the projection or consumer that keeps it (`rebuildReviewsReadModel`). */
export const reviewsReadModels: Readonly<Record<ReviewsReadModel, Projection | StreamReadModel>> = {
  RATING_SUMMARY: ratingSummaryProjection,
  KNOWN_PRODUCTS: knownProducts.consumer,
};
