import { commandRequest } from '../../platform/command';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap';
import { parsePage, type PageArgs } from '../../platform/pagination';
import type { NewReview, Review } from './domain/review';
import type { ReviewsContext } from './subgraph';
import { addReview } from './commands/addReview';
import { rebuildReviewsReadModel } from './commands/rebuildReviewsReadModel';
import type { ReviewsReadModel } from './projections';
import { subscribeToReviewsAdded, type ReviewAddedArgs, type ReviewAddedEvent } from './subscriptions/reviewAdded';

export const resolvers: GraphQLResolverMap<ReviewsContext> = {
  Mutation: {
    addReview: async (_: unknown, args: { input: NewReview }, ctx: ReviewsContext) => ({
      review: await addReview(ctx, commandRequest(ctx, args.input)),
    }),
    rebuildReviewsReadModel: (_: unknown, args: { input: { name: ReviewsReadModel } }, ctx: ReviewsContext) =>
      rebuildReviewsReadModel(ctx, commandRequest(ctx, args.input)),
  },
  Subscription: {
    reviewAdded: {
      subscribe: (_: unknown, args: ReviewAddedArgs, ctx: ReviewsContext) => subscribeToReviewsAdded(ctx, args),
      // Each event is the field's value as it is.
      resolve: (added: ReviewAddedEvent) => added,
    },
  },
  ReviewAddedEvent: {
    review: (added: ReviewAddedEvent, _: unknown, ctx: ReviewsContext) => ctx.loaders.reviewById.load(added.reviewId),
  },
  Review: {
    __resolveReference: (ref: { id: string }, ctx: ReviewsContext) => ctx.loaders.reviewById.load(ref.id),
    // References only: the products and accounts subgraphs resolve the rest.
    product: (review: Review) => ({ id: review.productId }),
    author: (review: Review) => ({ id: review.authorId }),
    createdAt: (review: Review) => review.createdAt.toISOString(),
  },
  Product: {
    // Every field added here loads by the id alone, so resolving the reference reads nothing.
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    reviews: (product: { id: string }, args: PageArgs, ctx: ReviewsContext) => ctx.loaders.reviewsByProduct(product.id, parsePage(args)),
    rating: (product: { id: string }, _args: unknown, ctx: ReviewsContext) => ctx.loaders.ratingByProduct.load(product.id),
  },
  User: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    reviews: (user: { id: string }, args: PageArgs, ctx: ReviewsContext) => ctx.loaders.reviewsByAuthor(user.id, parsePage(args)),
  },
};
