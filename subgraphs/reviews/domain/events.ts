/**
 * A customer reviewed a product. Aggregate: the review (id), at version 1.
 * The reviews subgraph's rating summaries are projected from these.
 */
export interface ReviewAdded {
  type: 'ReviewAdded';
  data: {
    /** Lower case, as stored. */
    productId: string;
    /** Lower case, as stored. */
    authorId: string;
    /** Stars given, 1 to 5. */
    rating: number;
    /** The text, trimmed. */
    body: string;
  };
}

/** Every event the reviews domain emits. */
export type ReviewsEvent = ReviewAdded;
