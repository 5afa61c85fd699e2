import { commandRequest } from '../../platform/command';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap';
import { parsePage, type PageArgs } from '../../platform/pagination';
import type { Product } from './domain/product';
import type { ProductsContext } from './subgraph';
import { listProducts, type ProductFilter } from './queries/listProducts';
import { createProduct } from './commands/createProduct';
import { updateProductPrice } from './commands/updateProductPrice';

export const resolvers: GraphQLResolverMap<ProductsContext> = {
  Query: {
    product: (_: unknown, args: { id: string }, ctx: ProductsContext) => ctx.loaders.productById.load(args.id),
    products: (_: unknown, args: PageArgs & { filter?: ProductFilter | null }, ctx: ProductsContext) =>
      listProducts(ctx.db, parsePage(args), args.filter ?? {}),
  },
  Mutation: {
    createProduct: async (_: unknown, args: { input: Parameters<typeof createProduct>[1]['input'] }, ctx: ProductsContext) => ({
      product: await createProduct(ctx, commandRequest(ctx, args.input)),
    }),
    updateProductPrice: async (_: unknown, args: { input: Parameters<typeof updateProductPrice>[1]['input'] }, ctx: ProductsContext) => ({
      product: await updateProductPrice(ctx, commandRequest(ctx, args.input)),
    }),
  },
  Product: {
    __resolveReference: (ref: { id: string }, ctx: ProductsContext) => ctx.loaders.productById.load(ref.id),
    createdAt: (product: Product) => product.createdAt.toISOString(),
  },
};
