import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, readBoolean, readChoice, readIntInRange, readPositiveInt, type CommonConfig, type Env } from '../platform/config';
import type { CorsOptions } from './http/cors';
import { DEFAULT_OPERATION_LIMITS, type OperationLimits } from './plugins/operationLimitsSettings';
import { DEFAULT_RATE_LIMITS, type RateLimits } from './plugins/rateLimitSettings';
// Type only: reading settings must not load graphql (the plugin's module) before a bad value is reported.
import type { CostMode } from './plugins/demandControl';
import type { AuthorizationMode } from './plugins/authorization';
import type { PersistedOperationsMode } from './plugins/persistedOperations';
import { DEFAULT_SUBGRAPH_TRANSPORT, type SubgraphTransportSettings } from './transport/subgraphTransportSettings';
import { readSubgraphKeepAliveTimeoutMs } from '../platform/config';

/** The manifest `npm run persisted:manifest` builds from `schema/operations/` (copied into `dist/` by the build). */
export const DEFAULT_PERSISTED_OPERATIONS_MANIFEST = path.resolve(__dirname, '../schema/persisted-operations.json');

/** The gateway's own settings, wherever it runs (its own process or the embedded stack). */
export interface GatewaySettings {
  /** `INTROSPECTION`, default: on unless production. */
  introspection: boolean;
  /** `MAX_BODY_BYTES`, default 1 MiB. */
  maxBodyBytes: number;
  /** `CORS_ORIGINS` and `CORS_MAX_AGE_SECONDS`. */
  cors: CorsOptions;
  /** `MAX_DOCUMENT_LENGTH`, `MAX_TOKENS`, `MAX_NESTING`, `MAX_DEPTH`, `MAX_ALIASES`, `MAX_ROOT_FIELDS`, `MAX_DIRECTIVES`, `MAX_SELECTIONS`, `MAX_ERRORS`; defaults in `DEFAULT_OPERATION_LIMITS`. */
  limits: OperationLimits;
  /** `MAX_COST`, the largest estimated cost of an operation; default 5000 (see docs/demandControl.md). */
  maxCost: number;
  /** `COST_MODE`: `enforce` (default) refuses operations over `MAX_COST`, `measure` only logs them. */
  costMode: CostMode;
  /** `AUTHORIZATION_MODE`: `filter` (default; fields the caller may not see are null with an error) or `reject` (the whole operation is refused). */
  authorizationMode?: AuthorizationMode;
  /** `RATE_LIMIT_OPERATIONS`, `RATE_LIMIT_WINDOW_SECONDS`, `RATE_LIMIT_CREDENTIALS`, `RATE_LIMIT_CREDENTIALS_WINDOW_SECONDS`, `TRUST_PROXY`, `RATE_LIMIT_PER_CLIENT_NAME`; defaults in `DEFAULT_RATE_LIMITS`. */
  rateLimits: RateLimits;
  /** `PERSISTED_OPERATIONS`: `apq` (default; automatic persisted queries, as Apollo Server's were), `safelist` (only the manifest's operations) or `off`. */
  persistedOperations: PersistedOperationsMode;
  /** `PERSISTED_OPERATIONS_MANIFEST`, the manifest `safelist` runs; default `schema/persisted-operations.json`. */
  persistedOperationsManifest: string;
  /** `APQ_TTL_SECONDS`, how long a registered automatic persisted query is kept; default 86 400 (24 h). */
  apqTtlSeconds: number;
  /** `SUBGRAPH_TIMEOUT_MS`, `OPERATION_TIMEOUT_MS`, `SUBGRAPH_POOL_IDLE_MS`, `SUBGRAPH_MAX_CONNECTIONS`, `SUBGRAPH_MAX_RESPONSE_BYTES`, `SUBGRAPH_RETRIES`, `SUBGRAPH_RETRY_BACKOFF_MS`, `SUBGRAPH_RETRY_BUDGET_PERCENT`, `SUBGRAPH_BREAKER_FAILURES`, `SUBGRAPH_BREAKER_OPEN_MS`, `SUBGRAPH_DEDUP`; defaults in `DEFAULT_SUBGRAPH_TRANSPORT`. */
  subgraphTransport: SubgraphTransportSettings;
  /** `SUBSCRIPTION_UPSTREAM_RETRY_MS`, how long a subscription whose subgraph connection was lost waits for a replica to take it back before it ends with a retryable SERVICE_UNAVAILABLE; default 30 000. */
  subscriptionUpstreamRetryMs: number;
  /** `SUBSCRIPTION_SEND_STALL_MS`: see `GatewayOptions.subscriptionSendStallMs`. Default 10 000. */
  subscriptionSendStallMs: number;
  /** `SUBSCRIPTION_MAX_BUFFERED_BYTES`: see `GatewayOptions.subscriptionMaxBufferedBytes`. Default 1 MiB. */
  subscriptionMaxBufferedBytes: number;
}

// Spelled out here so reading the settings loads nothing of GraphQL.
const AUTHORIZATION_MODES = ['filter', 'reject'] as const satisfies readonly AuthorizationMode[];
const PERSISTED_OPERATIONS_MODES = ['off', 'apq', 'safelist'] as const satisfies readonly PersistedOperationsMode[];

/** Each operation limit and the variable that sets it. */
const LIMIT_VARIABLES: Record<keyof OperationLimits, string> = {
  maxDocumentLength: 'MAX_DOCUMENT_LENGTH',
  maxTokens: 'MAX_TOKENS',
  maxNesting: 'MAX_NESTING',
  maxDepth: 'MAX_DEPTH',
  maxAliases: 'MAX_ALIASES',
  maxRootFields: 'MAX_ROOT_FIELDS',
  maxDirectives: 'MAX_DIRECTIVES',
  maxSelections: 'MAX_SELECTIONS',
  maxErrors: 'MAX_ERRORS',
};

/** Reads and checks the gateway's settings; throws `ConfigError` for the first bad one. */
export function readGatewaySettings(env: Env, common: CommonConfig): GatewaySettings {
  return {
    introspection: readBoolean(env, 'INTROSPECTION', !common.production),
    maxBodyBytes: readPositiveInt(env, 'MAX_BODY_BYTES', 1024 * 1024),
    cors: { ...readCorsOrigins(env, common.production), maxAgeSeconds: readPositiveInt(env, 'CORS_MAX_AGE_SECONDS', 600) },
    limits: Object.fromEntries(
      (Object.keys(LIMIT_VARIABLES) as (keyof OperationLimits)[]).map((key) => [
        key,
        readPositiveInt(env, LIMIT_VARIABLES[key], DEFAULT_OPERATION_LIMITS[key]),
      ]),
    ) as unknown as OperationLimits,
    // demandControl's DEFAULT_MAX_COST (the test holds them equal).
    maxCost: readPositiveInt(env, 'MAX_COST', 5000),
    costMode: readChoice<CostMode>(env, 'COST_MODE', ['enforce', 'measure'], 'enforce'),
    authorizationMode: readChoice(env, 'AUTHORIZATION_MODE', AUTHORIZATION_MODES, 'filter'),
    rateLimits: {
      operations: readPositiveInt(env, 'RATE_LIMIT_OPERATIONS', DEFAULT_RATE_LIMITS.operations),
      windowSeconds: readPositiveInt(env, 'RATE_LIMIT_WINDOW_SECONDS', DEFAULT_RATE_LIMITS.windowSeconds),
      credentials: readPositiveInt(env, 'RATE_LIMIT_CREDENTIALS', DEFAULT_RATE_LIMITS.credentials),
      credentialsWindowSeconds: readPositiveInt(env, 'RATE_LIMIT_CREDENTIALS_WINDOW_SECONDS', DEFAULT_RATE_LIMITS.credentialsWindowSeconds),
      trustProxy: readCount(env, 'TRUST_PROXY', DEFAULT_RATE_LIMITS.trustProxy),
      perClientName: readBoolean(env, 'RATE_LIMIT_PER_CLIENT_NAME', DEFAULT_RATE_LIMITS.perClientName),
    },
    ...readPersistedOperations(env),
    subgraphTransport: readSubgraphTransport(env),
    // upstream.ts's DEFAULT_UPSTREAM_RETRY_MS (the test holds them equal).
    subscriptionUpstreamRetryMs: readPositiveInt(env, 'SUBSCRIPTION_UPSTREAM_RETRY_MS', 30_000),
    subscriptionSendStallMs: readPositiveInt(env, 'SUBSCRIPTION_SEND_STALL_MS', 10_000),
    subscriptionMaxBufferedBytes: readPositiveInt(env, 'SUBSCRIPTION_MAX_BUFFERED_BYTES', 1024 * 1024),
  };
}

/**
 * The subgraph transport's settings. The pool's idle timeout must stay below
 * the subgraphs' keep-alive timeout (`SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS`, the
 * subgraphs' setting, read here too so a deployment that sets it for both
 * is checked), or the gateway would send requests on sockets the subgraph
 * is closing.
 */
export function readSubgraphTransport(env: Env): SubgraphTransportSettings {
  const poolIdleMs = readPositiveInt(env, 'SUBGRAPH_POOL_IDLE_MS', DEFAULT_SUBGRAPH_TRANSPORT.poolIdleMs);
  const keepAliveTimeoutMs = readSubgraphKeepAliveTimeoutMs(env);
  if (poolIdleMs >= keepAliveTimeoutMs)
    throw new ConfigError(
      'SUBGRAPH_POOL_IDLE_MS',
      String(poolIdleMs),
      `below the subgraphs' keep-alive timeout (SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS, ${keepAliveTimeoutMs} ms), so the gateway closes idle sockets before they do`,
    );
  return {
    timeoutMs: readPositiveInt(env, 'SUBGRAPH_TIMEOUT_MS', DEFAULT_SUBGRAPH_TRANSPORT.timeoutMs),
    poolIdleMs,
    maxConnections: readPositiveInt(env, 'SUBGRAPH_MAX_CONNECTIONS', DEFAULT_SUBGRAPH_TRANSPORT.maxConnections),
    maxResponseBytes: readPositiveInt(env, 'SUBGRAPH_MAX_RESPONSE_BYTES', DEFAULT_SUBGRAPH_TRANSPORT.maxResponseBytes),
    operationTimeoutMs: readPositiveInt(env, 'OPERATION_TIMEOUT_MS', DEFAULT_SUBGRAPH_TRANSPORT.operationTimeoutMs),
    retries: readIntInRange(env, 'SUBGRAPH_RETRIES', 5, DEFAULT_SUBGRAPH_TRANSPORT.retries),
    retryBackoffMs: readIntInRange(env, 'SUBGRAPH_RETRY_BACKOFF_MS', 10_000, DEFAULT_SUBGRAPH_TRANSPORT.retryBackoffMs),
    retryBudgetPercent: readIntInRange(env, 'SUBGRAPH_RETRY_BUDGET_PERCENT', 100, DEFAULT_SUBGRAPH_TRANSPORT.retryBudgetPercent),
    breakerFailures: readPositiveInt(env, 'SUBGRAPH_BREAKER_FAILURES', DEFAULT_SUBGRAPH_TRANSPORT.breakerFailures),
    breakerOpenMs: readPositiveInt(env, 'SUBGRAPH_BREAKER_OPEN_MS', DEFAULT_SUBGRAPH_TRANSPORT.breakerOpenMs),
    dedup: readBoolean(env, 'SUBGRAPH_DEDUP', DEFAULT_SUBGRAPH_TRANSPORT.dedup),
  };
}

/** `TRUST_PROXY`: a number of proxies, 0 or more (`true` and `false` are refused: say how many). */
function readCount(env: Env, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) > 10)
    throw new ConfigError(name, value, 'how many proxies in front of the gateway append to X-Forwarded-For: 0 to 10');
  return Number(value);
}

/** `PERSISTED_OPERATIONS`, `PERSISTED_OPERATIONS_MANIFEST` (which must exist in `safelist` mode) and `APQ_TTL_SECONDS`. */
function readPersistedOperations(env: Env): Pick<GatewaySettings, 'persistedOperations' | 'persistedOperationsManifest' | 'apqTtlSeconds'> {
  // `apq` by default: clients that hash (Apollo Client's link) keep working as with Apollo Server's own APQ.
  const persistedOperations = readChoice(env, 'PERSISTED_OPERATIONS', PERSISTED_OPERATIONS_MODES, 'apq');
  const persistedOperationsManifest = path.resolve(env.PERSISTED_OPERATIONS_MANIFEST?.trim() || DEFAULT_PERSISTED_OPERATIONS_MANIFEST);
  if (persistedOperations === 'safelist' && !fs.existsSync(persistedOperationsManifest))
    throw new ConfigError(
      'PERSISTED_OPERATIONS_MANIFEST',
      persistedOperationsManifest,
      'the path of a persisted query manifest (npm run persisted:manifest writes one), needed by PERSISTED_OPERATIONS=safelist',
    );
  return { persistedOperations, persistedOperationsManifest, apqTtlSeconds: readPositiveInt(env, 'APQ_TTL_SECONDS', 86_400) };
}

/**
 * `CORS_ORIGINS`: comma-separated exact origins (`https://shop.example.com`)
 * or `*`. Unset: in development any `http://localhost:<port>` and
 * `http://127.0.0.1:<port>`; in production none.
 */
export function readCorsOrigins(env: Env, production: boolean): Pick<CorsOptions, 'origins' | 'allowLocalhost'> {
  const value = env.CORS_ORIGINS?.trim();
  if (!value) return { origins: [], allowLocalhost: !production };
  if (value === '*') return { origins: '*', allowLocalhost: false };
  const origins = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    // An origin is scheme://host[:port] exactly: no path, no trailing slash.
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(
        'CORS_ORIGINS',
        value,
        `"*" or comma-separated origins like https://shop.example.com (scheme, host and optional port; no path), and "${origin}" is not one`,
      );
    }
  }
  return { origins, allowLocalhost: false };
}
