// The rate limits' settings and defaults, apart from the plugin so that reading configuration loads no graphql.

/** The budgets of the rate-limit plugin, with the setting that changes each. */
export interface RateLimits {
  /** `RATE_LIMIT_OPERATIONS`: operations (root fields) one caller may run per window. Default 200. */
  operations: number;
  /** `RATE_LIMIT_WINDOW_SECONDS`: that window. Default 60. */
  windowSeconds: number;
  /** `RATE_LIMIT_CREDENTIALS`: `logIn`/`signUp` attempts per client address, and per email tried, per window. Default 10. */
  credentials: number;
  /** `RATE_LIMIT_CREDENTIALS_WINDOW_SECONDS`: that window. Default 300. */
  credentialsWindowSeconds: number;
  /** `TRUST_PROXY`: how many proxies in front of the gateway append to `X-Forwarded-For`; 0 (default) uses the connection's address. */
  trustProxy: number;
  /** `RATE_LIMIT_PER_CLIENT_NAME`: a separate budget per `apollographql-client-name` for each caller. Default false. */
  perClientName: boolean;
}

export const DEFAULT_RATE_LIMITS: Readonly<RateLimits> = {
  operations: 200,
  windowSeconds: 60,
  credentials: 10,
  credentialsWindowSeconds: 300,
  trustProxy: 0,
  perClientName: false,
};
