import { readPositiveInt } from '../../platform/config';
import { runSubgraphProcess } from '../../platform/runSubgraphProcess';
import { accountsDepsFromConfig, accountsSubgraph } from './subgraph';

// Composition root of the accounts subgraph run as its own process (default port 4001).
async function main(env: NodeJS.ProcessEnv): Promise<void> {
  // Read before anything starts, so a bad setting fails fast and names its variable.
  const jwt = {
    issuer: env.JWT_ISSUER || undefined,
    audience: env.JWT_AUDIENCE || undefined,
    ttlSeconds: readPositiveInt(env, 'JWT_TTL_SECONDS', 3600),
    privateKeyPem: env.ACCOUNTS_JWT_PRIVATE_KEY || undefined,
  };
  await runSubgraphProcess(env, 'accounts', 4001, async ({ db, outbox, bus, clock, dataDir }) =>
    accountsSubgraph(await accountsDepsFromConfig({ db, outbox, bus, clock, dataDir, jwt })),
  );
}

main(process.env).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
