import { systemClock, type Clock } from '../../platform/clock';
import { ErrorCode } from '../../platform/errors';
import { IDENTITY_HEADER, signGatewayIdentity } from '../../platform/auth/gatewayIdentity';
import type { Identity } from '../../platform/auth/identity';
import { AuthenticationFailed, type Authenticate } from '../auth/authenticate';
import { GatewayRejection, type GatewayPlugin, type GatewayRequest } from './gatewayPlugin';

export interface IdentityPluginOptions {
  /** Verifies the caller's bearer token (`gateway/auth/authenticate.ts`). */
  authenticate: Authenticate;
  /** Shared with the subgraphs, which verify what it signs. */
  identitySecret: Uint8Array;
  /** Age after which a request's signed identity is signed again. Default 30 000 ms (tokens live 60 s). */
  maxAgeMs?: number;
  /** Default: the system clock. */
  clock?: Clock;
  /** Signs a viewer's identity. Default `signGatewayIdentity` with `identitySecret`. */
  sign?: (viewer: Identity) => Promise<string>;
}

const SIGNED = Symbol('identity.signed');

interface Signed {
  token: Promise<string>;
  signedAt: number;
}

/**
 * Who is calling, for every transport: verifies the bearer token when the
 * request (or WebSocket connection) arrives — no token is an anonymous
 * caller; a bad one is refused with 401 (WebSocket: 4403), and one that
 * cannot be checked because the key set is unreachable with 503 (WebSocket:
 * 1013) — and signs the caller's identity onto every subgraph request. One
 * signature serves all of a request's subgraph requests until it is
 * `maxAgeMs` old; then the next one signs again, so a subscription that lives
 * for hours keeps sending fresh identities.
 */
export function identityPlugin(options: IdentityPluginOptions): GatewayPlugin {
  const clock = options.clock ?? systemClock;
  const maxAgeMs = options.maxAgeMs ?? 30_000;
  const sign = options.sign ?? ((viewer: Identity) => signGatewayIdentity(viewer, options.identitySecret));
  const signedFor = (request: GatewayRequest): Promise<string> | undefined => {
    const { viewer } = request;
    if (!viewer) return undefined;
    const now = clock.now().getTime();
    let signed = request.state.get(SIGNED) as Signed | undefined;
    if (!signed || now - signed.signedAt >= maxAgeMs) {
      const fresh: Signed = { token: sign(viewer), signedAt: now };
      signed = fresh;
      request.state.set(SIGNED, fresh);
      // A failed signature is not remembered, so the next request tries again.
      fresh.token.catch(() => {
        if (request.state.get(SIGNED) === fresh) request.state.delete(SIGNED);
      });
    }
    return signed.token;
  };
  return {
    name: 'identity',
    async onRequest(request) {
      try {
        request.viewer = await options.authenticate({ authorization: request.authorization });
      } catch (error) {
        if (!(error instanceof AuthenticationFailed)) throw error;
        if (error.reason === 'unavailable') throw new GatewayRejection(503, ErrorCode.SERVICE_UNAVAILABLE, error.message, 1013);
        throw new GatewayRejection(401, ErrorCode.UNAUTHENTICATED, error.message, 4403, { 'www-authenticate': 'Bearer error="invalid_token"' });
      }
    },
    async onSubgraphRequest(operation, request) {
      const token = signedFor(operation.request);
      if (token) request.headers.set(IDENTITY_HEADER, await token);
    },
  };
}
