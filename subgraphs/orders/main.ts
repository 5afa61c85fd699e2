import { runSubgraphProcess } from '../../platform/runSubgraphProcess';
import { runMain } from '../../platform/process/runMain';

// Composition root of the orders subgraph run as its own process (default port 4004).
// Prices come from products' events (NATS_URL), not from calls to products.
runMain('orders', () => runSubgraphProcess(process.env, 'orders', 4004, (deps) => (require('./subgraph') as typeof import('./subgraph')).ordersSubgraph(deps)));
