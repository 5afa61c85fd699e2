import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../platform/errors';
import { sendRequestError } from '../../platform/http/graphqlHttp';

/** Which browser origins may call the API. */
export interface CorsOptions {
  /** Exact origins (`https://shop.example.com`), or `'*'` for any origin. */
  origins: readonly string[] | '*';
  /** Also allow `http://localhost:<any port>` and `http://127.0.0.1:<any port>` (development default). */
  allowLocalhost: boolean;
  /** How long a browser may cache a preflight answer, in seconds. Default 600. */
  maxAgeSeconds?: number;
}

/** The request headers Apollo Client and Apollo Sandbox send, plus our request id. */
export const CORS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-request-id',
] as const;

const ALLOWED_METHODS = 'GET, POST, OPTIONS';
/** Response headers a browser app may read besides the safelisted ones. */
const EXPOSED_HEADERS = 'x-request-id, retry-after, www-authenticate';
const LOCALHOST = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

export interface CorsPolicy {
  /** Whether a request with this `Origin` (and `Host`) may be served: no origin (not a browser) and same-origin requests always may. */
  allows(origin: string | undefined, host: string | undefined): boolean;
  /**
   * Applies the policy to a request for `/graphql`: answers a preflight
   * (`204` with the CORS headers, or `403` without them), refuses a request
   * from a disallowed origin with `403` and no CORS headers, and otherwise
   * sets the CORS headers on the response. Returns true when it answered.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/**
 * CORS for browser apps on other origins. Allowed origins get their own
 * origin back (never `*`), `Vary: Origin`, and credentials allowed unless the
 * policy is `*`; a disallowed origin gets no CORS headers, so the browser
 * blocks it, and its request is not executed.
 */
export function corsPolicy(options: CorsOptions): CorsPolicy {
  const exact = new Set(options.origins === '*' ? [] : options.origins);
  const any = options.origins === '*';
  const maxAge = String(options.maxAgeSeconds ?? 600);
  const listed = (origin: string) => any || exact.has(origin) || (options.allowLocalhost && LOCALHOST.test(origin));
  const sameOrigin = (origin: string, host: string | undefined) => {
    try {
      return host !== undefined && new URL(origin).host === host;
    } catch {
      return false;
    }
  };
  const allows = (origin: string | undefined, host: string | undefined) => origin === undefined || listed(origin) || sameOrigin(origin, host);

  return {
    allows,
    handle(req, res) {
      res.setHeader('vary', 'Origin');
      const origin = single(req.headers.origin);
      const preflight = req.method === 'OPTIONS';
      if (origin === undefined) {
        if (!preflight) return false;
        res.writeHead(204, { allow: ALLOWED_METHODS, 'content-length': '0' }).end();
        return true;
      }
      if (!allows(origin, req.headers.host)) {
        if (preflight) res.writeHead(403, { 'content-length': '0' }).end();
        else
          sendRequestError(
            res,
            403,
            ErrorCode.FORBIDDEN,
            `Requests from the origin ${JSON.stringify(origin.slice(0, 200))} are not allowed; the operator lists allowed origins in CORS_ORIGINS.`,
          );
        return true;
      }
      res.setHeader('access-control-allow-origin', origin);
      if (!any) res.setHeader('access-control-allow-credentials', 'true');
      if (preflight) {
        res.writeHead(204, {
          'access-control-allow-methods': ALLOWED_METHODS,
          'access-control-allow-headers': CORS_ALLOWED_HEADERS.join(', '),
          'access-control-max-age': maxAge,
          'content-length': '0',
        });
        res.end();
        return true;
      }
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
      return false;
    },
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
