import type { Projection } from '../../platform/events/projection';
import { ratingSummaryProjection } from './queries/ratingSummary/ratingSummaryProjection';

/** The read models the reviews subgraph keeps from its own event log; the rebuild command finds them here. */
export const reviewsProjections: Projection[] = [ratingSummaryProjection];

/** A value of the GraphQL enum `ReviewsReadModel`. */
export type ReviewsReadModel = 'RATING_SUMMARY';

/** Each `ReviewsReadModel` and the projection that keeps it (`rebuildReviewsReadModel`). */
export const reviewsReadModels: Readonly<Record<ReviewsReadModel, Projection>> = {
  RATING_SUMMARY: ratingSummaryProjection,
};
