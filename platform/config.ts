/**
 * Reading configuration from the environment. Only composition roots
 * (`main.ts` files) call these; everything else receives plain values.
 */

export type Env = Record<string, string | undefined>;

/** A TCP port from `name`, or `fallback` when unset; anything but 0–65535 is a start-up error naming the variable. */
export function readPort(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number from 0 to 65535, got "${raw}".`);
  return port;
}

/** A positive integer from `name`, or `fallback`. */
export function readPositiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}".`);
  return value;
}

/** A boolean from `name` (`true`/`1`/`yes` or `false`/`0`/`no`), or `fallback`. */
export function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new Error(`${name} must be true or false, got "${env[name]}".`);
}

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
  /** `NATS_URL`: NATS JetStream carries events when set; else the in-process bus. */
  natsUrl: string | undefined;
  /** `NATS_PREFIX`, default '': prepended to stream names and subjects, so deployments can share a NATS server. */
  natsPrefix: string;
}

export function readCommonConfig(env: Env): CommonConfig {
  return {
    production: env.NODE_ENV === 'production',
    dataDir: env.DATA_DIR || './.data',
    databaseUrl: env.DATABASE_URL || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    host: env.HOST || '127.0.0.1',
    seed: readBoolean(env, 'SEED', true),
    identitySecret: env.GATEWAY_IDENTITY_SECRET || undefined,
    natsUrl: env.NATS_URL || undefined,
    natsPrefix: env.NATS_PREFIX || '',
  };
}

/** The file in the data directory holding the generated gateway identity secret. */
export const IDENTITY_SECRET_FILE = 'gateway-identity.secret';
