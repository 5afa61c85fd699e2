import { runSubgraphProcess } from '../../platform/runSubgraphProcess';
import { runMain } from '../../platform/process/runMain';

// Composition root of the products subgraph run as its own process (default port 4002).
runMain('products', () => runSubgraphProcess(process.env, 'products', 4002, (deps) => (require('./subgraph') as typeof import('./subgraph')).productsSubgraph(deps)));
