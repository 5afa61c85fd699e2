import type { Outbox } from '../../platform/events/outbox';
import type { EventBus } from '../../platform/events/eventBus';
import type { Database } from '../../platform/storage/database';
import type { Clock } from '../../platform/clock';
import { subgraphContext, subgraphFiles, type SubgraphContext, type SubgraphDefinition } from '../../platform/subgraph';
import type { ProductCatalog } from './productCatalog';
import { readModelProductCatalog } from './queries/productPrices/readModelProductCatalog';
import { productPricesConsumer } from './queries/productPrices/productPricesConsumer';
import { orderSagaConsumer } from './consumers/orderSaga';
import { ordersProjections } from './projections';
import { createLoaders, type OrderLoaders } from './loaders';
import { resolvers } from './resolvers';
import { seedOrders } from './seed';

/** What every orders resolver receives. */
export interface OrdersContext extends SubgraphContext {
  /** Where unit prices come from when an order is placed. */
  catalog: ProductCatalog;
  loaders: OrderLoaders;
}

/**
 * The orders subgraph: customers' orders, priced when placed from the prices
 * it keeps from products' events, confirmed or rejected by the order saga
 * (inventory's answer to `OrderPlaced`), listed from the order history read model.
 */
export function ordersSubgraph(deps: { db: Database; outbox: Outbox; bus: EventBus; clock: Clock }): SubgraphDefinition<OrdersContext> {
  const catalog = readModelProductCatalog(deps.db);
  return {
    name: 'orders',
    ...subgraphFiles(__dirname),
    resolvers,
    createContext: (viewer, requestId) => ({ ...subgraphContext(deps, viewer, requestId), catalog, loaders: createLoaders(deps.db) }),
    seed: (db) => seedOrders(db, deps.outbox),
    projections: ordersProjections,
    consumers: [orderSagaConsumer({ outbox: deps.outbox, clock: deps.clock }), productPricesConsumer],
  };
}
