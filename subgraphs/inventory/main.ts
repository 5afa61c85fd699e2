import { runSubgraphProcess } from '../../platform/runSubgraphProcess';
import { runMain } from '../../platform/process/runMain';

// Composition root of the inventory subgraph run as its own process (default port 4003).
runMain('inventory', () => runSubgraphProcess(process.env, 'inventory', 4003, (deps) => (require('./subgraph') as typeof import('./subgraph')).inventorySubgraph(deps)));
