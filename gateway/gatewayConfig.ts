import { ConfigError, readBoolean, readChoice, readPositiveInt, type CommonConfig, type Env } from '../platform/config';
import type { CorsOptions } from './http/cors';
import type { AuthorizationMode } from './plugins/authorization';

/** The gateway's own settings, wherever it runs (its own process or the embedded stack). */
export interface GatewaySettings {
  /** `INTROSPECTION`, default: on unless production. */
  introspection: boolean;
  /** `MAX_BODY_BYTES`, default 1 MiB. */
  maxBodyBytes: number;
  /** `CORS_ORIGINS` and `CORS_MAX_AGE_SECONDS`. */
  cors: CorsOptions;
  /** `AUTHORIZATION_MODE`: `filter` (default; fields the caller may not see are null with an error) or `reject` (the whole operation is refused). */
  authorizationMode?: AuthorizationMode;
}

// Spelled out here so reading the settings loads nothing of GraphQL.
const AUTHORIZATION_MODES = ['filter', 'reject'] as const satisfies readonly AuthorizationMode[];

/** Reads and checks the gateway's settings; throws `ConfigError` for the first bad one. */
export function readGatewaySettings(env: Env, common: CommonConfig): GatewaySettings {
  return {
    introspection: readBoolean(env, 'INTROSPECTION', !common.production),
    maxBodyBytes: readPositiveInt(env, 'MAX_BODY_BYTES', 1024 * 1024),
    cors: { ...readCorsOrigins(env, common.production), maxAgeSeconds: readPositiveInt(env, 'CORS_MAX_AGE_SECONDS', 600) },
    authorizationMode: readChoice(env, 'AUTHORIZATION_MODE', AUTHORIZATION_MODES, 'filter'),
  };
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
