import { randomUUID } from 'node:crypto';
import type { GatewayPlugin } from './gatewayPlugin';

/** The header that carries a request's id from the client (optional), back to it, and on to the subgraphs. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Gives every request an id: the client's `x-request-id` when it is short
 * and printable (so a header cannot smuggle anything into logs), else a new
 * UUID. Each subgraph request of the operation carries the operation's id,
 * which is the correlation id of the events it causes.
 */
export function requestIdPlugin(): GatewayPlugin {
  return {
    name: 'requestId',
    onRequest(request) {
      const value = request.headers[REQUEST_ID_HEADER];
      const given = Array.isArray(value) ? value[0] : value;
      request.requestId = given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    },
    onSubgraphRequest(operation, request) {
      request.headers.set(REQUEST_ID_HEADER, operation.id);
    },
  };
}
