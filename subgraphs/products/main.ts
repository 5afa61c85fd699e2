import { runSubgraphProcess } from '../../platform/runSubgraphProcess';
import { productsSubgraph } from './subgraph';

// Composition root of the products subgraph run as its own process (default port 4002).
runSubgraphProcess(process.env, 'products', 4002, (deps) => productsSubgraph(deps)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
