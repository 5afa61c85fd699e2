import { readJwtConfig } from '../../platform/config';
import { runSubgraphProcess } from '../../platform/runSubgraphProcess';
import { runMain } from '../../platform/process/runMain';

// Composition root of the accounts subgraph run as its own process (default port 4001).
runMain('accounts', async () => {
  // Read before anything starts, so a bad setting fails fast and names its variable.
  const jwt = readJwtConfig(process.env);
  await runSubgraphProcess(process.env, 'accounts', 4001, async ({ db, outbox, bus, clock, dataDir }) => {
    const { accountsDepsFromConfig, accountsSubgraph } = require('./subgraph') as typeof import('./subgraph');
    return accountsSubgraph(await accountsDepsFromConfig({ db, outbox, bus, clock, dataDir, jwt }));
  });
});
