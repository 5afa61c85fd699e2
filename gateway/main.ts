import path from 'node:path';
import { readCommonConfig, readPort, readBoolean, readPositiveInt, IDENTITY_SECRET_FILE } from '../platform/config';
import { createLogger } from '../platform/logger';
import { loadOrCreateSecret } from '../platform/secrets';
import { onShutdownSignal } from '../platform/shutdown';
import { createAuthenticator } from './auth/authenticate';
import { startGateway } from './server';
import { loadSupergraph } from './supergraph';

/** The supergraph file shipped beside the gateway (`schema/supergraph.graphql`, copied into `dist/` by the build). */
export const DEFAULT_SUPERGRAPH_PATH = path.resolve(__dirname, '../schema/supergraph.graphql');

// Composition root of the gateway run as its own process.
async function main(): Promise<void> {
  const env = process.env;
  const common = readCommonConfig(env);
  const logger = createLogger('gateway', common.logLevel);
  const supergraphPath = path.resolve(env.SUPERGRAPH_PATH || DEFAULT_SUPERGRAPH_PATH);
  // `<NAME>_URL` (e.g. PRODUCTS_URL) moves a subgraph away from its composed routing URL.
  const subgraphUrls: Record<string, string> = {};
  for (const name of Object.keys(loadSupergraph(supergraphPath).subgraphUrls)) {
    const override = env[`${name.toUpperCase()}_URL`];
    if (override) subgraphUrls[name] = override;
  }
  const gateway = await startGateway({
    supergraphPath,
    subgraphUrls,
    port: readPort(env, 'PORT', 4000),
    host: common.host,
    production: common.production,
    introspection: readBoolean(env, 'INTROSPECTION', !common.production),
    maxBodyBytes: readPositiveInt(env, 'MAX_BODY_BYTES', 1024 * 1024),
    authenticate: createAuthenticator({
      jwksUrl: env.JWKS_URL || 'http://127.0.0.1:4001/.well-known/jwks.json',
      issuer: env.JWT_ISSUER || undefined,
      audience: env.JWT_AUDIENCE || undefined,
    }),
    identitySecret: loadOrCreateSecret(common.identitySecret, common.dataDir, IDENTITY_SECRET_FILE),
    logger,
  });
  onShutdownSignal(logger, () => gateway.close());
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
