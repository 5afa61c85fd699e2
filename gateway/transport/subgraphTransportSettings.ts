/**
 * The subgraph transport's settings and their defaults, apart from the
 * transport itself so that reading configuration loads nothing of undici.
 */
export interface SubgraphTransportSettings {
  /** `SUBGRAPH_TIMEOUT_MS`: how long one subgraph request may take, connection, retry and body included. Default 10 000. */
  timeoutMs: number;
  /** `SUBGRAPH_POOL_IDLE_MS`: how long an idle keep-alive connection is kept; must stay below the subgraphs' keep-alive timeout. Default 4000. */
  poolIdleMs: number;
  /** `SUBGRAPH_MAX_CONNECTIONS`: connections one subgraph URL may have open at once; further requests queue. Default 128. */
  maxConnections: number;
  /** `SUBGRAPH_MAX_RESPONSE_BYTES`: the largest response body read from a subgraph; a larger one is refused. Default 16 MiB. */
  maxResponseBytes: number;
}

export const DEFAULT_SUBGRAPH_TRANSPORT: SubgraphTransportSettings = {
  timeoutMs: 10_000,
  poolIdleMs: 4000,
  maxConnections: 128,
  maxResponseBytes: 16 * 1024 * 1024,
};
