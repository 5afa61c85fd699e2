import { readJwtConfig } from '../../platform/config';
import { runSubgraphProcess } from '../../platform/runSubgraphProcess';
import { runMain } from '../../platform/process/runMain';
import { registeredSubgraph } from '../registry';

// Composition root of the accounts subgraph run as its own process (default port in subgraphs/registry.ts).
const { name, defaultPort, factory } = registeredSubgraph('accounts');
runMain(name, async () => {
  // Read before anything starts, so a bad setting fails fast and names its variable.
  const jwt = readJwtConfig(process.env);
  await runSubgraphProcess(process.env, name, defaultPort, (deps) => factory({ ...deps, jwt }));
});
