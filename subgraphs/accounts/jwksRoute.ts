import type { RouteHandler } from '../../platform/subgraphServer';
import { sendJson } from '../../platform/http/graphqlHttp';
import { jwksDocument, type SigningKey } from './signingKey';

/** Where verifiers fetch the public key set, by the usual convention. */
export const JWKS_PATH = '/.well-known/jwks.json';

/**
 * Serves the public key set at `GET /.well-known/jwks.json`. Verifiers may
 * cache it for five minutes; they refetch sooner when a token names a `kid`
 * they do not hold, so a rotated key is picked up without waiting.
 */
export function jwksRoute(key: SigningKey): RouteHandler {
  const document = jwksDocument(key);
  return (req, res) => {
    if ((req.url ?? '/').split('?')[0] !== JWKS_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: `Use GET for ${JWKS_PATH}.` }, { allow: 'GET, HEAD' });
      return true;
    }
    sendJson(res, 200, document, { 'cache-control': 'public, max-age=300' });
    return true;
  };
}
