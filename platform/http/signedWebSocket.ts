import WebSocket from 'ws';
import type { RequestSigner } from '../auth/gatewaySignature';

/**
 * `ws`'s `WebSocket`, with the upgrade request signed by `sign` as a `GET`
 * of the URL's path with an empty body and an anonymous caller (the
 * subscribe messages name each subscription's caller). graphql-ws constructs
 * one per connection and per reconnection, so each upgrade is signed afresh.
 * Pass it as `createClient`'s `webSocketImpl`.
 */
export function signedWebSocket(sign: RequestSigner): typeof WebSocket {
  return class SignedWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers: sign({ method: 'GET', url: String(address), body: '', identity: undefined }) });
    }
  } as unknown as typeof WebSocket;
}
