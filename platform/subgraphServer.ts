import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import { GraphQLError } from 'graphql';
import type { Logger } from './logger';
import { DEFAULT_SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS } from './config';
import { toPublicError, isDomainError, ErrorCode } from './errors';
import { InvalidGatewayIdentity, verifyGatewayIdentity } from './auth/gatewayIdentity';
import { ANONYMOUS_IDENTITY, UntrustedRequest, verifyGatewayRequest, type GatewayTrust } from './auth/gatewaySignature';
import type { SharedStore } from './sharedState/sharedStore';
import type { Clock } from './clock';
import type { Viewer } from './auth/identity';
import { DEFAULT_MAX_BODY_BYTES, handleGraphQLHttp, parseGraphQLText, readRequestText, sendJson, sendRequestError } from './http/graphqlHttp';
import { serveGraphQLOverWebSocket } from './http/graphqlWebSocket';
import { gracefulClose } from './http/gracefulClose';
import { requestIdOrNew } from './ids';

/** Answers a non-GraphQL route (such as a JWKS document); returns false when it does not own the path. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface SubgraphServerOptions<TContext extends BaseContext> {
  /** The subgraph's name, for logs. */
  name: string;
  /** The schema from `buildSubgraphSchema`. */
  schema: GraphQLSchema;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Interface to listen on. */
  host: string;
  /** Hides internal error messages and stack traces from responses. */
  production: boolean;
  /** Shared with the gateway; verifies its request signatures, the identity header (HTTP) and the identity extension (WebSocket). */
  identitySecret: Uint8Array;
  /** `GATEWAY_IDENTITY_PREVIOUS_SECRET`: also accepted while the secret is being rotated. Default none. */
  previousIdentitySecret?: Uint8Array | undefined;
  /** Remembers the nonces of the gateway's signatures for the window, so a replayed request is refused (Redis: on every replica). */
  nonceStore: SharedStore;
  /** How old a gateway signature may be, in ms. Default 30 000 (plus 5 000 of clock skew either way). */
  signatureWindowMs?: number;
  /** Reads the signatures' ages. Default: the system clock. */
  clock?: Clock;
  /**
   * Builds the per-request context (loaders included) for the caller;
   * `requestId` correlates the request's events and logs. A subscription
   * calls it once to start and again for each event it delivers.
   */
  createContext: (viewer: Viewer, requestId: string) => TContext;
  logger: Logger;
  /** Extra routes tried before `/graphql` and `/health`. */
  routes?: RouteHandler[];
  /**
   * `SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS`: how long an idle connection is kept
   * open (node:http `keepAliveTimeout`; `headersTimeout` is set 1 s above
   * it). The gateway's pool closes its idle sockets sooner
   * (`SUBGRAPH_POOL_IDLE_MS`). Default 5000.
   */
  keepAliveTimeoutMs?: number;
}

export interface RunningServer {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4001/graphql`. */
  url: string;
  port: number;
  /** Closes WebSocket connections (1001), stops accepting connections and waits for requests in flight. */
  close(): Promise<void>;
}

/**
 * Serves a subgraph schema over HTTP at `/graphql` (POST and GET), with
 * `GET /health`, and its subscriptions over graphql-ws on the same path
 * (`http/graphqlWebSocket.ts`). It trusts only the gateway: every request
 * but `/health` and the extra `routes` (`/ready`, the JWKS), the WebSocket
 * upgrade included, must carry the gateway's signature
 * (`auth/gatewaySignature.ts`), or it is refused with 401 UNAUTHENTICATED
 * before anything runs. The caller comes from the signed identity (a header
 * over HTTP, `extensions.identity` in a subscribe message, still verified):
 * `anonymous` or absent is an anonymous caller, a forged or expired token is
 * refused with UNAUTHENTICATED.
 */
export async function startSubgraphServer<TContext extends BaseContext>(options: SubgraphServerOptions<TContext>): Promise<RunningServer> {
  const { logger } = options;
  const secrets = options.previousIdentitySecret ? [options.identitySecret, options.previousIdentitySecret] : [options.identitySecret];
  const trust: GatewayTrust = { secrets, nonces: options.nonceStore, clock: options.clock, windowMs: options.signatureWindowMs };
  const apollo = new ApolloServer<TContext>({
    schema: options.schema,
    plugins: [ApolloServerPluginInlineTraceDisabled()],
    // The process's composition root owns shutdown: Apollo's own handlers would re-raise the signal (exit 143).
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: !options.production,
    introspection: true,
    formatError: (formatted, error) => {
      const shaped = toPublicError(formatted, error, options.production);
      // Expected failures (bad input, conflicts…) are the caller's business, not the operator's.
      if (shaped.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR && !isDomainError(error)) {
        logger.error({ err: error }, 'unexpected error while resolving');
      }
      return shaped;
    },
  });
  await apollo.start();

  const server = http.createServer((req, res) => {
    void route(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? DEFAULT_SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS;
  // Above the keep-alive timeout, as node:http requires, so a request starting on an idle socket is not cut.
  server.headersTimeout = server.keepAliveTimeout + 1000;
  const graceful = gracefulClose(server);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const handler of options.routes ?? []) {
      if (await handler(req, res)) return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health' && req.method === 'GET') return sendJson(res, 200, { status: 'ok', subgraph: options.name });
    // Refused before the body is read: nothing unsigned costs more than this.
    if (!req.headers['signature'] || !req.headers['signature-input'])
      return refuseUntrusted(res, 'Subgraphs serve only requests the gateway signed: Signature and Signature-Input headers are required.');
    const text = await readRequestText(req, res, DEFAULT_MAX_BODY_BYTES);
    if (text === undefined) return;
    let identity: string;
    try {
      identity = await verifyGatewayRequest({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: text }, trust);
    } catch (error) {
      if (error instanceof UntrustedRequest) return refuseUntrusted(res, error.message);
      throw error;
    }
    if (path !== '/graphql') return sendJson(res, 404, { error: `No route for ${req.method} ${path}.` });
    const read = req.method === 'POST' ? parseGraphQLText(res, req.headers['content-type'], text) : { body: undefined };
    if (!read) return;
    await handleGraphQLHttp(
      apollo,
      req,
      res,
      async () => {
        try {
          const viewer = identity === ANONYMOUS_IDENTITY ? null : await verifyGatewayIdentity(identity, secrets);
          const header = req.headers['x-request-id'];
          return options.createContext(viewer, requestIdOrNew(Array.isArray(header) ? header[0] : header));
        } catch (error) {
          if (error instanceof InvalidGatewayIdentity) {
            throw new GraphQLError(error.message, { extensions: { code: error.code, http: { status: 401 } } });
          }
          throw error;
        }
      },
      DEFAULT_MAX_BODY_BYTES,
      read,
    );
  }

  function refuseUntrusted(res: ServerResponse, message: string): void {
    logger.warn({ reason: message }, 'refused a request the gateway did not sign');
    sendRequestError(res, 401, ErrorCode.UNAUTHENTICATED, message);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  // Attached once listening: ws re-emits the HTTP server's errors, and a failed listen is the caller's to report.
  const webSocket = serveGraphQLOverWebSocket({
    server,
    schema: options.schema,
    identitySecret: options.identitySecret,
    trust,
    createContext: options.createContext,
    production: options.production,
    logger,
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/graphql`;
  logger.info({ url }, `${options.name} subgraph listening`);
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    // Idempotent: a second call waits for the first.
    close: () =>
      (closing ??= (async () => {
        // Upgraded sockets hold the HTTP server open, and their subscriptions hold watches on the bus: they go first.
        await webSocket.close();
        await graceful.close();
        await apollo.stop();
      })()),
  };
}
