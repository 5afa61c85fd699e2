import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { formatGraphQLError, ErrorCode } from '../platform/errors';
import { signGatewayIdentity } from '../platform/auth/gatewayIdentity';
import { GraphQLError, parse } from 'graphql';
import { handleGraphQLHttp, readGraphQLBody, sendJson, sendRequestError } from '../platform/http/graphqlHttp';
import { gracefulClose } from '../platform/http/gracefulClose';
import { SubscriptionService, type SubscriptionRequest } from './subscriptions/subscriptionService';
import { attachGraphqlWs } from './subscriptions/graphqlWsTransport';
import { acceptsMultipartSubscriptions, serveMultipartSubscription } from './subscriptions/multipartTransport';
import type { Logger } from '../platform/logger';
import type { GatewayContext } from './context';
import { AuthenticationFailed, type Authenticate } from './auth/authenticate';
import { SubgraphDataSource } from './subgraphDataSource';
import type { LoadedSupergraph } from './supergraph';
import { corsPolicy, type CorsOptions } from './http/cors';
import { probeSubgraphs } from './readiness';
import { accessLog } from './plugins/requestLogging';
import { codeApolloRequestErrors, requestErrorsPlugin } from './plugins/requestErrors';

export interface GatewayOptions {
  /** The composed supergraph, read once by the composition root. */
  supergraph: LoadedSupergraph;
  /** Routing URLs that replace the supergraph's, by subgraph name. Default: none. */
  subgraphUrls?: Record<string, string>;
  /** Port for `/graphql`, `/health` and `/ready`; 0 picks a free one. */
  port: number;
  host: string;
  /** Hides internals from errors, turns off Sandbox and (unless `introspection`) introspection. */
  production: boolean;
  /** Allow introspection queries. Default: `!production`. */
  introspection?: boolean;
  /** Verifies the caller's bearer token. */
  authenticate: Authenticate;
  /** Signs caller identities for subgraphs; the subgraphs hold the same secret. */
  identitySecret: Uint8Array;
  logger: Logger;
  /** Largest request body in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Largest graphql-ws message in bytes. Default 64 KiB. */
  maxMessageBytes?: number;
  /** Most subscriptions one graphql-ws connection may hold. Default 100. */
  maxSubscriptionsPerConnection?: number;
  /** Browser origins allowed to call the API. Default: any localhost origin unless production, else none. */
  cors?: CorsOptions;
}

export interface RunningGateway {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`. */
  url: string;
  port: number;
  /** The routing URL used for each subgraph, overrides applied. */
  subgraphUrls: Record<string, string>;
  /** Federated subscriptions (graphql-ws and multipart): counts for health checks and tests. */
  subscriptions: SubscriptionService;
  close(): Promise<void>;
}

/**
 * Starts the gateway: `@apollo/gateway` over the composed supergraph file
 * (subgraphs are never introspected at run time), served by `@apollo/server`
 * on `node:http` at `/graphql`, with `GET /health` (alive) and `GET /ready`
 * (supergraph loaded and every subgraph answering).
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { logger } = options;
  const { supergraph } = options;
  const access = accessLog({ logger });
  const cors = corsPolicy(options.cors ?? { origins: [], allowLocalhost: !options.production });
  const subgraphUrls = { ...supergraph.subgraphUrls };
  for (const [name, url] of Object.entries(options.subgraphUrls ?? {})) {
    if (!(name in subgraphUrls)) throw new Error(`A URL was given for subgraph "${name}", but the supergraph has no such subgraph.`);
    subgraphUrls[name] = url;
  }

  // The data sources are kept: subscriptions fetch entities through the same ones queries use.
  const dataSources: Record<string, SubgraphDataSource> = {};
  const gateway = new ApolloGateway({
    supergraphSdl: supergraph.sdl,
    buildService: ({ name, url }) => (dataSources[name] = new SubgraphDataSource({ url: subgraphUrls[name] ?? url })),
    logger,
  });

  const httpServer = http.createServer((req, res) => {
    void route(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'request failed');
      if (!res.headersSent) sendRequestError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
      else res.destroy();
    });
  });
  const graceful = gracefulClose(httpServer);

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    // The composition root owns shutdown: Apollo's own handlers would re-raise the signal and cut it short (exit 143).
    stopOnTerminationSignals: false,
    introspection: options.introspection ?? !options.production,
    includeStacktraceInErrorResponses: !options.production,
    formatError: (formatted, error) => {
      const shaped = formatGraphQLError(codeApolloRequestErrors(formatted), error, options.production);
      if (shaped.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR) logger.error({ err: error }, 'internal error in response');
      return shaped;
    },
    plugins: [
      options.production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
      access.plugin,
      requestErrorsPlugin(),
    ],
  });
  await apollo.start();
  let loaded = true;

  const introspection = options.introspection ?? !options.production;
  const formatSubscriptionError = (error: GraphQLError) => formatGraphQLError(error.toJSON(), error, options.production);
  const subscriptions = new SubscriptionService({
    supergraphSdl: supergraph.sdl,
    subgraphUrls,
    dataSources,
    signIdentity: (viewer) => signGatewayIdentity(viewer, options.identitySecret),
    logger,
    introspection,
  });
  const graphqlWs = attachGraphqlWs({
    httpServer,
    service: () => subscriptions,
    authenticate: options.authenticate,
    allowsOrigin: cors.allows,
    accessLog: access,
    logger,
    production: options.production,
    maxPayloadBytes: options.maxMessageBytes,
    maxSubscriptionsPerConnection: options.maxSubscriptionsPerConnection,
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health' && req.method === 'GET') return sendJson(res, 200, { status: 'ok' });
    if (path === '/ready' && req.method === 'GET') {
      const subgraphs = await probeSubgraphs(subgraphUrls);
      const ready = loaded && Object.values(subgraphs).every((state) => state === 'up');
      return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', supergraphLoaded: loaded, subgraphs });
    }
    if (path !== '/graphql') return sendJson(res, 404, { error: `No route for ${req.method} ${path}; GraphQL is served at /graphql.` });

    const requestId = headerValue(req, 'x-request-id') ?? randomUUID();
    res.setHeader('x-request-id', requestId);
    const record = access.http(res, { requestId, userId: null });
    if (cors.handle(req, res)) {
      if (res.statusCode === 403) record.errorCodes = [ErrorCode.FORBIDDEN];
      return;
    }
    let viewer;
    try {
      viewer = await options.authenticate(req.headers);
      record.userId = viewer?.userId ?? null;
    } catch (error) {
      if (!(error instanceof AuthenticationFailed)) throw error;
      record.errorCodes = [error.reason === 'unavailable' ? ErrorCode.SERVICE_UNAVAILABLE : ErrorCode.UNAUTHENTICATED];
      if (error.reason === 'unavailable') return sendRequestError(res, 503, ErrorCode.SERVICE_UNAVAILABLE, error.message);
      res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
      return sendRequestError(res, 401, ErrorCode.UNAUTHENTICATED, error.message);
    }
    const read = await readGraphQLBody(req, res, options.maxBodyBytes);
    if (!read) return;
    const subscription = subscriptionRequestOf(read.body);
    if (subscription) {
      record.transport = 'multipart';
      record.operation = 'subscription';
      record.operationName = subscription.operationName ?? null;
      if (!acceptsMultipartSubscriptions(req)) {
        return sendRequestError(res, 406, 'BAD_REQUEST', 'Subscriptions need `Accept: multipart/mixed;subscriptionSpec=1.0` over HTTP, or a graphql-ws WebSocket at /graphql.');
      }
      return serveMultipartSubscription(req, res, subscriptions, subscription, { viewer, expiresAt: viewer?.expiresAt, requestId }, { formatError: formatSubscriptionError });
    }
    const identityToken = viewer ? await signGatewayIdentity(viewer, options.identitySecret) : undefined;
    await handleGraphQLHttp(apollo, req, res, async () => ({ viewer, requestId, identityToken, access: record }), options.maxBodyBytes, read);
  }

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/graphql`;
  logger.info({ url, subgraphs: subgraphUrls }, 'gateway listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    subgraphUrls,
    subscriptions,
    // Idempotent: a second call waits for the first.
    close: () =>
      (closing ??= (async () => {
        loaded = false;
        // Subscribers get a retryable error and their sockets close with 1001; then the HTTP
        // server stops accepting, lets requests in flight finish and closes their connections.
        await subscriptions.close();
        await graphqlWs.close();
        await graceful.close();
        await apollo.stop();
      })()),
  };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  // Only short, printable ids are echoed back, so a header cannot smuggle anything into logs.
  return first && /^[\w.:-]{1,128}$/.test(first) ? first : undefined;
}

/** The request when `body` is a single subscription operation (parseable, with a query string), else undefined. */
function subscriptionRequestOf(body: unknown): SubscriptionRequest | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const { query, operationName, variables } = body as Record<string, unknown>;
  if (typeof query !== 'string' || !/\bsubscription\b/.test(query)) return undefined;
  try {
    const name = typeof operationName === 'string' ? operationName : null;
    if (!SubscriptionService.isSubscription(parse(query), name)) return undefined;
    return { query, operationName: name, variables: variables && typeof variables === 'object' ? (variables as Record<string, unknown>) : null };
  } catch {
    // Not parseable: Apollo Server answers it with GRAPHQL_PARSE_FAILED.
    return undefined;
  }
}
