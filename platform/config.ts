/**
 * Reading configuration from the environment. Only composition roots
 * (`main.ts` files) call these, before they open anything; everything else
 * receives plain values. Every reader refuses a bad value with a
 * `ConfigError` naming the variable, the value and what is expected, which
 * `runMain` reports as one log line.
 */

export type Env = Record<string, string | undefined>;

/** A setting with a value that cannot be used. Its message names the variable, the value and what is expected. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string,
    readonly expected: string,
  ) {
    super(`${variable} must be ${expected}, got "${value}".`);
    this.name = 'ConfigError';
  }
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** A TCP port from `name`, or `fallback` when unset. */
export function readPort(env: Env, name: string, fallback: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new ConfigError(name, value, 'a port number from 0 to 65535');
  return port;
}

/** A positive integer from `name`, or `fallback`. */
export function readPositiveInt(env: Env, name: string, fallback: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number <= 0 || !Number.isSafeInteger(number)) throw new ConfigError(name, value, 'a positive integer');
  return number;
}

/**
 * `SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS`, default 5000: how long a subgraph's
 * node:http server keeps an idle connection (`keepAliveTimeout`). The
 * gateway reads it too, to check that its pool closes idle sockets first
 * (`SUBGRAPH_POOL_IDLE_MS` below it).
 */
export function readSubgraphKeepAliveTimeoutMs(env: Env): number {
  return readPositiveInt(env, 'SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS', DEFAULT_SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS);
}

/** The subgraphs' default keep-alive timeout; the gateway's `SUBGRAPH_POOL_IDLE_MS` default (4000) stays below it. */
export const DEFAULT_SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS = 5000;

/** A whole number from 0 to `max` from `name`, or `fallback`. */
export function readIntInRange(env: Env, name: string, max: number, fallback: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number > max) throw new ConfigError(name, value, `a whole number from 0 to ${max}`);
  return number;
}

/** A boolean from `name` (`true`/`1`/`yes` or `false`/`0`/`no`), or `fallback`. */
export function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (['true', '1', 'yes'].includes(lower)) return true;
  if (['false', '0', 'no'].includes(lower)) return false;
  throw new ConfigError(name, value, 'true or false');
}

/** One of `allowed` from `name`, or `fallback`. */
export function readChoice<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new ConfigError(name, value, `one of ${allowed.join(', ')}`);
  return value as T;
}

/** A URL from `name` whose scheme is one of `protocols` (e.g. `['http:', 'https:']`), or `fallback`. */
export function readUrl(env: Env, name: string, protocols: readonly string[], fallback: string): string;
export function readUrl(env: Env, name: string, protocols: readonly string[], fallback?: undefined): string | undefined;
export function readUrl(env: Env, name: string, protocols: readonly string[], fallback?: string): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  checkUrl(name, value, protocols);
  return value;
}

function checkUrl(name: string, value: string, protocols: readonly string[]): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !protocols.includes(url.protocol) || !url.hostname) {
    throw new ConfigError(name, redactUrl(value), `a URL starting with ${protocols.map((protocol) => `${protocol}//`).join(' or ')} and naming a host`);
  }
}

/** A comma-separated list of URLs from `name` (each with one of `protocols`), or undefined when unset. */
export function readUrlList(env: Env, name: string, protocols: readonly string[]): string[] | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  const urls = value.split(',').map((part) => part.trim());
  for (const url of urls) checkUrl(name, url, protocols);
  return urls;
}

/** A value shown in logs and errors without the password a connection string may carry. */
export function redactUrl(value: string): string {
  return value.replace(/(\/\/[^:/@]+:)[^@/]*@/, '$1***@');
}

/** The pino levels `LOG_LEVEL` accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The settings every process shares. */
export interface CommonConfig {
  /** `NODE_ENV === 'production'`: hides internals from error responses and turns Sandbox off. */
  production: boolean;
  /** `DATA_DIR`, default `./.data`: PGlite files and generated keys and secrets. */
  dataDir: string;
  /** `DATABASE_URL`: PostgreSQL instead of PGlite when set. */
  databaseUrl: string | undefined;
  /** `LOG_LEVEL`, default `info`. */
  logLevel: string;
  /** `HOST`, default `127.0.0.1`: the interface servers listen on. */
  host: string;
  /** `SEED`, default true: load demo data into an empty database. */
  seed: boolean;
  /** `GATEWAY_IDENTITY_SECRET`: shared by the gateway and subgraphs; generated into the data directory when unset. */
  identitySecret: string | undefined;
  /** `GATEWAY_IDENTITY_PREVIOUS_SECRET`: the secret being rotated out, still accepted by subgraphs (never used to sign). */
  previousIdentitySecret: string | undefined;
  /** `NATS_URL`: NATS JetStream carries events when set; else the in-process bus. */
  natsUrl: string | undefined;
  /** `NATS_PREFIX`, default '': prepended to stream names and subjects, so deployments can share a NATS server. */
  natsPrefix: string;
  /** `REDIS_URL`: Redis for state shared by replicas (rate limits, persisted operations, nonces); unset: memory, per process. */
  redisUrl: string | undefined;
  /** `REDIS_PREFIX`, default '': prepended to every key, so deployments can share a Redis server. */
  redisPrefix: string;
  /** `CONNECT_RETRY_SECONDS`, default 30: how long an unreachable database or broker is retried at start. */
  connectRetryMs: number;
}

/** A secret of at least 32 bytes, or undefined when unset; a bad one is reported by its length, never its value. */
function readSecret(env: Env, name: string): string | undefined {
  const value = raw(env, name);
  if (value !== undefined && Buffer.byteLength(value, 'utf8') < 32) {
    throw new ConfigError(name, `<${Buffer.byteLength(value, 'utf8')} bytes>`, 'a secret of at least 32 bytes');
  }
  return value;
}

/** Reads and checks the settings every process shares. Throws `ConfigError` for the first bad one. */
export function readCommonConfig(env: Env): CommonConfig {
  const nodeEnv = readChoice(env, 'NODE_ENV', ['production', 'development', 'test'], 'development');
  const identitySecret = readSecret(env, 'GATEWAY_IDENTITY_SECRET');
  const previousIdentitySecret = readSecret(env, 'GATEWAY_IDENTITY_PREVIOUS_SECRET');
  if (previousIdentitySecret !== undefined && identitySecret === undefined) {
    throw new ConfigError('GATEWAY_IDENTITY_PREVIOUS_SECRET', '<set>', 'set only beside GATEWAY_IDENTITY_SECRET, the secret that replaces it');
  }
  const natsPrefix = raw(env, 'NATS_PREFIX') ?? '';
  if (!/^[A-Za-z0-9_-]*$/.test(natsPrefix)) throw new ConfigError('NATS_PREFIX', natsPrefix, 'letters, digits, _ and - only');
  const host = raw(env, 'HOST') ?? '127.0.0.1';
  if (/\s|\//.test(host)) throw new ConfigError('HOST', host, 'a host name or IP address to listen on');
  return {
    production: nodeEnv === 'production',
    dataDir: raw(env, 'DATA_DIR') ?? './.data',
    databaseUrl: readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    logLevel: readChoice(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    host,
    seed: readBoolean(env, 'SEED', true),
    identitySecret,
    previousIdentitySecret,
    natsUrl: readUrlList(env, 'NATS_URL', ['nats:', 'tls:'])?.join(','),
    natsPrefix,
    redisUrl: readUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisPrefix: raw(env, 'REDIS_PREFIX') ?? '',
    connectRetryMs: readPositiveInt(env, 'CONNECT_RETRY_SECONDS', 30) * 1000,
  };
}

/** The access-token settings shared by accounts (issuing) and the gateway (verifying). */
export interface JwtConfig {
  /** `JWT_ISSUER`, default `commerce-accounts`. */
  issuer: string;
  /** `JWT_AUDIENCE`, default `commerce-api`. */
  audience: string;
  /** `JWT_TTL_SECONDS`, default 3600. */
  ttlSeconds: number;
  /** `ACCOUNTS_JWT_PRIVATE_KEY`: PKCS#8 PEM; generated into the data directory when unset. */
  privateKeyPem: string | undefined;
}

export function readJwtConfig(env: Env): JwtConfig {
  const privateKeyPem = raw(env, 'ACCOUNTS_JWT_PRIVATE_KEY');
  if (privateKeyPem !== undefined && !/-----BEGIN PRIVATE KEY-----/.test(privateKeyPem)) {
    throw new ConfigError('ACCOUNTS_JWT_PRIVATE_KEY', '<not shown>', 'a PKCS#8 PEM private key ("-----BEGIN PRIVATE KEY-----…")');
  }
  return {
    issuer: raw(env, 'JWT_ISSUER') ?? 'commerce-accounts',
    audience: raw(env, 'JWT_AUDIENCE') ?? 'commerce-api',
    ttlSeconds: readPositiveInt(env, 'JWT_TTL_SECONDS', 3600),
    privateKeyPem,
  };
}

/** The file in the data directory holding the generated gateway identity secret. */
export const IDENTITY_SECRET_FILE = 'gateway-identity.secret';
