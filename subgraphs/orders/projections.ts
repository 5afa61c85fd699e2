import type { Projection } from '../../platform/events/projection';
import type { StreamReadModel } from '../../platform/events/streamReadModel';
import { productPricesConsumer } from './queries/productPrices/productPricesConsumer';
import { orderHistoryProjection } from './queries/orderHistory/orderHistoryProjection';
import { unitsSoldProjection } from './queries/unitsSold/unitsSoldProjection';

/** The read models orders keeps from its own event log; the subgraph runs them and the rebuild command takes them by name. */
export const ordersProjections: Projection[] = [orderHistoryProjection, unitsSoldProjection];

/** A value of the GraphQL enum `OrdersReadModel`. */
export type OrdersReadModel = 'ORDER_HISTORY' | 'UNITS_SOLD' | 'PRODUCT_PRICES';

/** Each `OrdersReadModel` and the projection or consumer that keeps it (`rebuildOrdersReadModel`). */
export const ordersReadModels: Readonly<Record<OrdersReadModel, Projection | StreamReadModel>> = {
  ORDER_HISTORY: orderHistoryProjection,
  UNITS_SOLD: unitsSoldProjection,
  PRODUCT_PRICES: productPricesConsumer,
};
