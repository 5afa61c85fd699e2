import type { GatewayOperation } from './plugins/gatewayPlugin';

/**
 * What `@apollo/gateway` hands through a request to its data sources: the
 * operation, whose request carries the verified caller and the request id.
 * Subgraph requests get their headers from the pipeline's
 * `onSubgraphRequest` hooks (identity, request id).
 */
export interface GatewayContext {
  operation: GatewayOperation;
}
