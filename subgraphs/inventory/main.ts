import { runSubgraphProcess } from '../../platform/runSubgraphProcess';
import { inventorySubgraph } from './subgraph';

// Composition root of the inventory subgraph run as its own process (default port 4003).
runSubgraphProcess(process.env, 'inventory', 4003, (deps) => inventorySubgraph(deps)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
