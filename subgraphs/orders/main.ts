import { runSubgraphProcess } from '../../platform/runSubgraphProcess';
import { ordersSubgraph } from './subgraph';
import { subgraphProductCatalog } from './productCatalog';

// Composition root of the orders subgraph run as its own process (default port 4004).
// PRODUCTS_URL is the products subgraph's GraphQL endpoint, asked for unit prices.
const productsUrl = process.env.PRODUCTS_URL || 'http://127.0.0.1:4002/graphql';

runSubgraphProcess(process.env, 'orders', 4004, (deps) => ordersSubgraph({ ...deps, catalog: subgraphProductCatalog(productsUrl) })).catch(
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
