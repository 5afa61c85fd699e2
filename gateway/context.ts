import type { Viewer } from '../platform/auth/identity';

/** What the gateway knows about one request while planning and fetching. */
export interface GatewayContext {
  /** The verified caller, or null. */
  viewer: Viewer;
  /** Correlates logs across the gateway and subgraphs; echoed as `x-request-id`. */
  requestId: string;
  /** The caller's identity signed for subgraphs, minted once per request; absent for anonymous callers. */
  identityToken?: string;
}
