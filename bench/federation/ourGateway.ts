import { randomBytes } from 'node:crypto';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { loadSupergraph } from '../../gateway/supergraph';
import { AuthenticationFailed, type Authenticate } from '../../gateway/auth/authenticate';
import { DEFAULT_RATE_LIMITS } from '../../gateway/plugins/rateLimitSettings';
import { createLogger } from '../../platform/logger';

export interface BenchGatewayOptions {
  supergraphPath: string;
  /** 0 picks a free port. */
  port: number;
  /** pino's level. Default `info`, the product's: one access-log line per operation. */
  logLevel?: string;
  /** `SUBGRAPH_DEDUP`: share identical concurrent query fetches. Default true, the product's. */
  dedup?: boolean;
}

/** Above the benchmark query's estimated cost (24 420). */
export const BENCH_MAX_COST = 100_000;

/**
 * The benchmark's load is anonymous: no Authorization header, so no token to
 * verify and no JWKS to fetch. A request that does bring one is refused, as
 * a gateway that cannot check it would.
 */
const anonymousOnly: Authenticate = (headers) =>
  headers.authorization
    ? Promise.reject(new AuthenticationFailed('invalid', 'The federation benchmark gateway takes anonymous requests only.'))
    : Promise.resolve(null);

/**
 * Our gateway as `dist/gateway/main.js` builds it, in production mode and
 * with every default (persisted operations `apq`, operation limits, demand
 * control, authorization, access log, request signing) but three: callers
 * are anonymous (`anonymousOnly`); the rate limit's budget is out of reach,
 * since one load generator sends thousands of operations a second from one
 * address; and demand control's maximum is above the benchmark query's
 * estimate (24 420 with the default list size of 10, where the actual lists
 * hold 4 to 6 items), so it still estimates every operation but refuses none.
 */
export function startBenchGateway(options: BenchGatewayOptions): Promise<RunningGateway> {
  return startGateway({
    supergraph: loadSupergraph(options.supergraphPath),
    port: options.port,
    host: '127.0.0.1',
    production: true,
    authenticate: anonymousOnly,
    identitySecret: new Uint8Array(randomBytes(32)),
    logger: createLogger('gateway', options.logLevel ?? 'info'),
    rateLimits: { ...DEFAULT_RATE_LIMITS, operations: 1_000_000_000 },
    maxCost: BENCH_MAX_COST,
    subgraphTransport: { dedup: options.dedup ?? true },
  });
}
