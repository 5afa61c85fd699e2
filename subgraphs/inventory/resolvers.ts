import { commandRequest } from '../../platform/command';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap';
import { isUuid } from '../../platform/ids';
import { shippingEstimate } from './domain/shipping';
import type { Restock } from './domain/stock';
import type { InventoryContext } from './subgraph';
import { restock } from './commands/restock';
import { rebuildInventoryReadModel } from './commands/rebuildInventoryReadModel';
import type { InventoryReadModel } from './readModels';
import { subscribeToStockChanges, type StockChange, type StockChangedArgs } from './subscriptions/stockChanged';

/** A product reference from the gateway; `price` and `weightGrams` are present when `shippingEstimate` was asked for (@requires). */
interface ProductReference {
  id: string;
  price?: { amount: number; currency: string } | null;
  weightGrams?: number | null;
}

/** A product as inventory answers it: the reference, kept whole, plus its stock. */
type StockedProduct = ProductReference & { stock: number };

/** Inventory's resolvers: GraphQL in, commands and loaders out. */
export const resolvers: GraphQLResolverMap<InventoryContext> = {
  Mutation: {
    restock: async (_: unknown, args: { input: Restock }, ctx: InventoryContext) => {
      const stock = await restock(ctx, commandRequest(ctx, args.input));
      const product: StockedProduct = { id: stock.productId, stock: stock.quantity };
      return { product };
    },
    rebuildInventoryReadModel: (_: unknown, args: { input: { name: InventoryReadModel } }, ctx: InventoryContext) =>
      rebuildInventoryReadModel(ctx, commandRequest(ctx, args.input)),
  },
  Subscription: {
    stockChanged: {
      subscribe: (_: unknown, args: StockChangedArgs, ctx: InventoryContext) => subscribeToStockChanges(ctx, args),
      // Each event is the field's value as it is.
      resolve: (change: StockChange) => change,
    },
  },
  StockChange: {
    // Units on hand now, which later changes may have moved past `StockChange.stock`.
    product: async (change: StockChange, _: unknown, ctx: InventoryContext): Promise<StockedProduct> => ({
      id: change.productId,
      stock: await ctx.loaders.stockByProductId.load(change.productId),
    }),
  },
  Product: {
    // The reference's other fields (the @requires ones) stay on the object for `shippingEstimate`.
    __resolveReference: async (ref: ProductReference, ctx: InventoryContext): Promise<StockedProduct | null> =>
      isUuid(ref.id) ? { ...ref, stock: await ctx.loaders.stockByProductId.load(ref.id) } : null,
    inStock: (product: StockedProduct) => product.stock > 0,
    shippingEstimate: (product: StockedProduct) => {
      if (!product.price || typeof product.weightGrams !== 'number') {
        throw new Error('Product.shippingEstimate needs price and weightGrams; the gateway sends them through @requires.');
      }
      return shippingEstimate(product.price, product.weightGrams);
    },
  },
};
