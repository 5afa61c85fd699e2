import type { Viewer } from '../platform/auth/identity';
import type { AccessRecord } from './plugins/requestLogging';

/** What the gateway knows about one request while planning and fetching. */
export interface GatewayContext {
  /** The verified caller, or null. */
  viewer: Viewer;
  /** Correlates logs across the gateway and subgraphs; echoed as `x-request-id`. */
  requestId: string;
  /** The caller's identity signed for subgraphs, minted once per request; absent for anonymous callers. */
  identityToken?: string;
  /** The request's access-log record, completed as the operation runs. */
  access?: AccessRecord;
}
