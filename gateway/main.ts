import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, readCommonConfig, readPort, readUrl, readUrlList, IDENTITY_SECRET_FILE } from '../platform/config';
import { createLogger } from '../platform/logger';
import { loadOrCreateSecret } from '../platform/secrets';
import { onShutdownSignal } from '../platform/process/shutdown';
import { runMain } from '../platform/process/runMain';
import { readGatewaySettings } from './gatewayConfig';

/** The supergraph file shipped beside the gateway (`schema/supergraph.graphql`, copied into `dist/` by the build). */
export const DEFAULT_SUPERGRAPH_PATH = path.resolve(__dirname, '../schema/supergraph.graphql');

const HTTP = ['http:', 'https:'];

// Composition root of the gateway run as its own process.
if (require.main === module) {
  runMain('gateway', async () => {
    const env = process.env;
    // Every setting is read and checked before anything is opened.
    const common = readCommonConfig(env);
    const settings = readGatewaySettings(env, common);
    const port = readPort(env, 'PORT', 4000);
    const supergraphPath = path.resolve(env.SUPERGRAPH_PATH || DEFAULT_SUPERGRAPH_PATH);
    if (!fs.existsSync(supergraphPath))
      throw new ConfigError('SUPERGRAPH_PATH', supergraphPath, 'the path of a composed supergraph file (npm run compose writes one)');
    const jwksUrl = readUrl(env, 'JWKS_URL', HTTP, 'http://127.0.0.1:4001/.well-known/jwks.json');
    // Loaded only now, so a bad setting is reported before seconds go into loading Apollo.
    const { loadSupergraph } = require('./supergraph') as typeof import('./supergraph');
    const { startGateway } = require('./server') as typeof import('./server');
    const { createAuthenticator } = require('./auth/authenticate') as typeof import('./auth/authenticate');
    const { openConfiguredSharedStore } = require('../platform/process/openDependencies') as typeof import('../platform/process/openDependencies');
    const supergraph = loadSupergraph(supergraphPath);
    // `<NAME>_URL` (e.g. PRODUCTS_URL) moves a subgraph away from its composed routing URL; a comma-separated list names its replicas.
    const subgraphUrls: Record<string, string[]> = {};
    for (const name of Object.keys(supergraph.subgraphUrls)) {
      const override = readUrlList(env, `${name.toUpperCase()}_URL`, HTTP);
      if (override) subgraphUrls[name] = override;
    }
    const logger = createLogger('gateway', common.logLevel);
    const sharedStore = await openConfiguredSharedStore(common, logger);
    if (sharedStore.kind === 'memory') logger.warn('REDIS_URL is not set: rate-limit budgets and persisted queries are counted by this gateway instance alone');
    const gateway = await startGateway({
      supergraph,
      subgraphUrls,
      port,
      host: common.host,
      production: common.production,
      ...settings,
      authenticate: createAuthenticator({ jwksUrl, issuer: env.JWT_ISSUER || undefined, audience: env.JWT_AUDIENCE || undefined }),
      identitySecret: loadOrCreateSecret(common.identitySecret, common.dataDir, IDENTITY_SECRET_FILE),
      logger,
      sharedStore,
    });
    onShutdownSignal(logger, async () => {
      await gateway.close();
      await sharedStore.close();
    });
  });
}
