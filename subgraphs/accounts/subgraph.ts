import type { Outbox } from '../../platform/events/outbox';
import type { EventBus } from '../../platform/events/eventBus';
import type { Database } from '../../platform/storage/database';
import type { Clock } from '../../platform/clock';
import { subgraphContext, subgraphFiles, type SubgraphContext, type SubgraphDefinition } from '../../platform/subgraph';
import { createLoaders, type AccountLoaders } from './loaders';
import { resolvers } from './resolvers';
import { seedUsers } from './seed';
import { loadOrCreateSigningKey, type SigningKey } from './signingKey';
import { DEFAULT_JWT_SETTINGS, type JwtSettings } from './accessToken';
import { jwksRoute } from './jwksRoute';

/** What every accounts resolver receives. */
export interface AccountsContext extends SubgraphContext {
  loaders: AccountLoaders;
  signingKey: SigningKey;
  jwt: JwtSettings;
  /** Users who proved their password in this request (`signUp`, `logIn`); they may see their own email in its answer. */
  provenUserIds: Set<string>;
}

/** What the accounts subgraph is built from. */
export interface AccountsDeps {
  db: Database;
  /** The accounts event log. */
  outbox: Outbox;
  /** The bus the accounts relay publishes to. */
  bus: EventBus;
  clock: Clock;
  /** Signs access tokens; its public half is served as the JWKS. */
  signingKey: SigningKey;
  /** Claims and lifetime of access tokens. */
  jwt: JwtSettings;
}

/** Plain settings from which `accountsDepsFromConfig` builds `AccountsDeps`. */
export interface AccountsConfig {
  db: Database;
  outbox: Outbox;
  bus: EventBus;
  clock: Clock;
  /** Where the generated signing key is kept when no PEM is configured. */
  dataDir: string;
  /** Token settings; each omitted one takes its default (`commerce-accounts`, `commerce-api`, 3600 s). */
  jwt?: Partial<JwtSettings> & {
    /** PKCS#8 PEM of the ES256 signing key; generated into `dataDir` when absent. */
    privateKeyPem?: string;
  };
}

/**
 * Builds the accounts dependencies from plain settings: loads the configured
 * signing key or the one in `dataDir` (creating it on first start) and fills
 * in token defaults. For composition roots; it reads no environment.
 */
export async function accountsDepsFromConfig(config: AccountsConfig): Promise<AccountsDeps> {
  const { privateKeyPem, ...jwt } = config.jwt ?? {};
  const settings: JwtSettings = {
    issuer: jwt.issuer ?? DEFAULT_JWT_SETTINGS.issuer,
    audience: jwt.audience ?? DEFAULT_JWT_SETTINGS.audience,
    ttlSeconds: jwt.ttlSeconds ?? DEFAULT_JWT_SETTINGS.ttlSeconds,
  };
  if (!Number.isInteger(settings.ttlSeconds) || settings.ttlSeconds <= 0) {
    throw new Error(`The JWT lifetime must be a positive whole number of seconds, got ${settings.ttlSeconds}.`);
  }
  const signingKey = await loadOrCreateSigningKey({ configuredPem: privateKeyPem, dataDir: config.dataDir });
  return { db: config.db, outbox: config.outbox, bus: config.bus, clock: config.clock, signingKey, jwt: settings };
}

/** The accounts subgraph: users, passwords and the access tokens the gateway verifies. */
export function accountsSubgraph(deps: AccountsDeps): SubgraphDefinition<AccountsContext> {
  const { db, outbox, signingKey, jwt } = deps;
  return {
    name: 'accounts',
    ...subgraphFiles(__dirname),
    resolvers,
    createContext: (viewer, requestId) => ({
      ...subgraphContext(deps, viewer, requestId),
      signingKey,
      jwt,
      loaders: createLoaders(db),
      provenUserIds: new Set(),
    }),
    seed: (seedDb) => seedUsers(seedDb, outbox),
    routes: [jwksRoute(signingKey)],
  };
}
