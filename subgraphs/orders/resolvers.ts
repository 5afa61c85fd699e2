import { commandRequest } from '../../platform/command';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap';
import { isUuid } from '../../platform/ids';
import type { PageArgs } from '../../platform/pagination';
import { lineTotal, type Order, type OrderLine } from './domain/order';
import type { OrderLineRequest } from './domain/orderLines';
import type { OrdersContext } from './subgraph';
import { orderForViewer, visibleOrder } from './queries/orderForViewer';
import { customerOrders } from './queries/orderHistory/customerOrders';
import { unitsSold } from './queries/unitsSold/unitsSold';
import { placeOrder } from './commands/placeOrder';
import { cancelOrder } from './commands/cancelOrder';
import { rebuildOrdersReadModel } from './commands/rebuildOrdersReadModel';
import type { OrdersReadModel } from './projections';
import { subscribeToOrderStatusChanges, type OrderStatusChange, type OrderStatusChangedArgs } from './subscriptions/orderStatusChanged';

/** Orders' resolvers: GraphQL in, commands and queries out. */
export const resolvers: GraphQLResolverMap<OrdersContext> = {
  Query: {
    order: (_: unknown, args: { id: string }, ctx: OrdersContext) => orderForViewer(ctx.loaders, ctx.viewer, args.id),
  },
  Mutation: {
    placeOrder: async (_: unknown, args: { input: { lines: OrderLineRequest[] } }, ctx: OrdersContext) => {
      const { order, lines } = await placeOrder(ctx, commandRequest(ctx, args.input));
      // The payload's own fields then resolve from what was just written, with no read back.
      ctx.loaders.orderById.prime(order.id, order);
      ctx.loaders.linesByOrderId.prime(order.id, lines);
      return { order };
    },
    cancelOrder: async (_: unknown, args: { input: { orderId: string } }, ctx: OrdersContext) => ({
      order: await cancelOrder(ctx, commandRequest(ctx, args.input)),
    }),
    rebuildOrdersReadModel: (_: unknown, args: { input: { name: OrdersReadModel } }, ctx: OrdersContext) =>
      rebuildOrdersReadModel(ctx, commandRequest(ctx, args.input)),
  },
  Subscription: {
    orderStatusChanged: {
      subscribe: (_: unknown, args: OrderStatusChangedArgs, ctx: OrdersContext) => subscribeToOrderStatusChanges(ctx, args),
      // Each event is the field's value as it is.
      resolve: (change: OrderStatusChange) => change,
    },
  },
  OrderStatusChange: {
    // Each event runs with a fresh context, so this reads the order as it is now, not as an earlier event left the cache.
    order: (change: OrderStatusChange, _: unknown, ctx: OrdersContext) => visibleOrder(ctx.loaders, ctx.viewer, change.orderId),
  },
  Order: {
    __resolveReference: (ref: { id: string }, ctx: OrdersContext) => visibleOrder(ctx.loaders, ctx.viewer, ref.id),
    customer: (order: Order) => ({ id: order.customerId }),
    lines: (order: Order, _: unknown, ctx: OrdersContext) => ctx.loaders.linesByOrderId.load(order.id),
    placedAt: (order: Order) => order.placedAt.toISOString(),
  },
  OrderLine: {
    product: (line: OrderLine) => ({ id: line.productId }),
    lineTotal: (line: OrderLine) => lineTotal(line),
  },
  Product: {
    // Orders knows products only by id; a malformed one is no product.
    __resolveReference: (ref: { id: string }) => (isUuid(ref.id) ? { id: ref.id } : null),
    unitsSold: (product: { id: string }, _: unknown, ctx: OrdersContext) => unitsSold(ctx.loaders, product.id),
  },
  User: {
    orders: (user: { id: string }, args: PageArgs, ctx: OrdersContext) => customerOrders(ctx.loaders, ctx.viewer, user.id, args),
  },
};
