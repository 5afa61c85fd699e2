import { runSubgraphProcess } from '../../platform/runSubgraphProcess';
import { runMain } from '../../platform/process/runMain';
import { registeredSubgraph } from '../registry';

// Composition root of the orders subgraph run as its own process (default port in subgraphs/registry.ts).
// Prices come from products' events (NATS_URL), not from calls to products.
const { name, defaultPort, factory } = registeredSubgraph('orders');
runMain(name, () => runSubgraphProcess(process.env, name, defaultPort, factory));
