import type { Projection } from '../../platform/events/projection';
import { ratingSummaryProjection } from './queries/ratingSummary/ratingSummaryProjection';

/** The read models the reviews subgraph keeps from its own event log; the rebuild command finds them here. */
export const reviewsProjections: Projection[] = [ratingSummaryProjection];
