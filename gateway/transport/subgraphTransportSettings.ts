/**
 * The subgraph transport's settings and their defaults, apart from the
 * transport itself so that reading configuration loads nothing of undici.
 */
export interface SubgraphTransportSettings {
  /** `SUBGRAPH_TIMEOUT_MS`: how long one subgraph request may take, connection and body included (each retry gets what is left). Default 10 000. */
  timeoutMs: number;
  /** `OPERATION_TIMEOUT_MS`: how long every subgraph request of one query or mutation may take together; a fetch still running then is answered `SUBGRAPH_TIMEOUT`. Default 30 000. */
  operationTimeoutMs: number;
  /** `SUBGRAPH_POOL_IDLE_MS`: how long an idle keep-alive connection is kept; must stay below the subgraphs' keep-alive timeout. Default 4000. */
  poolIdleMs: number;
  /** `SUBGRAPH_MAX_CONNECTIONS`: connections one subgraph replica may have open at once; further requests queue. Default 128. */
  maxConnections: number;
  /** `SUBGRAPH_MAX_RESPONSE_BYTES`: the largest response body read from a subgraph; a larger one is refused. Default 16 MiB. */
  maxResponseBytes: number;
  /** `SUBGRAPH_RETRIES`: further attempts of a failed request that may be repeated, each on another replica when there is one. Default 2. */
  retries: number;
  /** `SUBGRAPH_RETRY_BACKOFF_MS`: the first retry waits a random time up to this, each further one up to twice as long (capped at 8×). Default 25. */
  retryBackoffMs: number;
  /** `SUBGRAPH_RETRY_BUDGET_PERCENT`: retries to one subgraph may add at most this share of its requests over the last 10 s (plus 10 retries), so retries cannot multiply load. Default 20. */
  retryBudgetPercent: number;
  /** `SUBGRAPH_BREAKER_FAILURES`: consecutive failures (refused, reset, timed out, HTTP 502/503/504) that open a replica's circuit breaker. Default 5. */
  breakerFailures: number;
  /** `SUBGRAPH_BREAKER_OPEN_MS`: how long an open breaker keeps its replica out before a probe may bring it back. Default 5000. */
  breakerOpenMs: number;
  /** `SUBGRAPH_DEDUP`: identical concurrent query fetches (same subgraph, body and signed identity) are sent once and the answer shared. Default true. */
  dedup: boolean;
}

export const DEFAULT_SUBGRAPH_TRANSPORT: SubgraphTransportSettings = {
  timeoutMs: 10_000,
  operationTimeoutMs: 30_000,
  poolIdleMs: 4000,
  maxConnections: 128,
  maxResponseBytes: 16 * 1024 * 1024,
  retries: 2,
  retryBackoffMs: 25,
  retryBudgetPercent: 20,
  breakerFailures: 5,
  breakerOpenMs: 5000,
  dedup: true,
};
