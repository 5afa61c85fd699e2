import { runSubgraphProcess } from '../../platform/runSubgraphProcess';
import { ordersSubgraph } from './subgraph';

// Composition root of the orders subgraph run as its own process (default port 4004).
// Prices come from products' events (NATS_URL), not from calls to products.
runSubgraphProcess(process.env, 'orders', 4004, (deps) => ordersSubgraph(deps)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
