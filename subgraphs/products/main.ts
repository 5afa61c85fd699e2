import { runSubgraphProcess } from '../../platform/runSubgraphProcess';
import { runMain } from '../../platform/process/runMain';
import { registeredSubgraph } from '../registry';

// Composition root of the products subgraph run as its own process (default port in subgraphs/registry.ts).
const { name, defaultPort, factory } = registeredSubgraph('products');
runMain(name, () => runSubgraphProcess(process.env, name, defaultPort, factory));
