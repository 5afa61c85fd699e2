import { runSubgraphProcess } from '../../platform/runSubgraphProcess';
import { runMain } from '../../platform/process/runMain';
import { registeredSubgraph } from '../registry';

// Composition root of the inventory subgraph run as its own process (default port in subgraphs/registry.ts).
const { name, defaultPort, factory } = registeredSubgraph('inventory');
runMain(name, () => runSubgraphProcess(process.env, name, defaultPort, factory));
