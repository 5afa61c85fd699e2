import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ErrorCode } from '../platform/errors';
import type { Clock } from '../platform/clock';
import { sendRequestError } from '../platform/http/graphqlHttp';
import { gracefulClose } from '../platform/http/gracefulClose';
import type { Logger } from '../platform/logger';
import type { GatewayContext } from './context';
import type { Authenticate } from './auth/authenticate';
import { SubgraphDataSource } from './subgraphDataSource';
import { SubgraphTransport } from './transport/subgraphTransport';
import type { SubgraphTransportSettings } from './transport/subgraphTransportSettings';
import { replicaUrls } from './transport/replicas';
import { gatewayRequestSigner } from '../platform/auth/gatewaySignature';
import type { LoadedSupergraph } from './supergraph';
import { corsPolicy, type CorsOptions } from './http/cors';
import { gatewayRouter } from './http/router';
import { GatewayPipeline, type GatewayPlugin } from './plugins/gatewayPlugin';
import { apolloPipelineAdapter } from './plugins/apolloAdapter';
import { requestIdPlugin } from './plugins/requestId';
import { identityPlugin } from './plugins/identity';
import { loadPersistedQueryManifest, persistedOperationsPlugin, type PersistedOperationsMode } from './plugins/persistedOperations';
import type { SharedStore } from '../platform/sharedState/sharedStore';
import { MemorySharedStore } from '../platform/sharedState/memorySharedStore';
import { DEFAULT_PERSISTED_OPERATIONS_MANIFEST } from './gatewayConfig';
import { authorizationPlugin, type AuthorizationMode } from './plugins/authorization';
import { operationResolutionPlugin } from './plugins/requestErrors';
import { introspectionPolicyPlugin } from './plugins/introspectionPolicy';
import { costSchemaFromSupergraph, demandControlPlugin, type CostMode } from './plugins/demandControl';
import { errorShapingPlugin } from './plugins/errorShaping';
import { accessLogPlugin } from './plugins/accessLog';
import { operationLimitsPlugin } from './plugins/operationLimits';
import { rateLimitPlugin } from './plugins/rateLimit';
import type { RateLimits } from './plugins/rateLimitSettings';
import type { OperationLimits } from './plugins/operationLimitsSettings';
import { SubscriptionService } from './subscriptions/subscriptionService';
import { attachGraphqlWs } from './subscriptions/graphqlWsTransport';

export interface GatewayOptions {
  /** The composed supergraph, read once by the composition root. */
  supergraph: LoadedSupergraph;
  /** Routing URLs that replace the supergraph's, by subgraph name; a comma-separated list (or an array) names several replicas. Default: none. */
  subgraphUrls?: Record<string, string | readonly string[]>;
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
  /** `SUBSCRIPTION_SEND_STALL_MS`: a graphql-ws client that has not taken a message for this long is disconnected 4008 (slow consumer). Default 10 000. */
  subscriptionSendStallMs?: number;
  /** `SUBSCRIPTION_MAX_BUFFERED_BYTES`: a graphql-ws client with more than this queued for it is disconnected 4008. Default 1 MiB. */
  subscriptionMaxBufferedBytes?: number;
  /** Operation limits (depth, aliases, tokens…). Default `DEFAULT_OPERATION_LIMITS`. */
  limits?: Partial<OperationLimits>;
  /** Browser origins allowed to call the API. Default: any localhost origin unless production, else none. */
  cors?: CorsOptions;
  /** The largest estimated cost of an operation (demand control). Default 5000. */
  maxCost?: number;
  /** `enforce` refuses operations over `maxCost`, `measure` only logs them. Default `enforce`. */
  costMode?: CostMode;
  /** Rate-limit budgets and proxy trust. Default `DEFAULT_RATE_LIMITS`. */
  rateLimits?: Partial<RateLimits>;
  /** What a field the caller may not see does to its operation (`@authenticated`, `@requiresScopes`). Default `filter`. */
  authorizationMode?: AuthorizationMode;
  /** State shared with the other gateway instances (rate-limit budgets, automatic persisted queries): Redis or memory. Default: a `MemorySharedStore` of this gateway's own; a store given here is closed by whoever opened it. */
  sharedStore?: SharedStore;
  /** `apq` (automatic persisted queries), `safelist` (only `persistedOperationsManifest`'s operations) or `off`. Default `apq`. */
  persistedOperations?: PersistedOperationsMode;
  /** The persisted query manifest `safelist` runs. Default `schema/persisted-operations.json`. */
  persistedOperationsManifest?: string;
  /** How long a registered automatic persisted query is kept, in seconds. Default 86 400 (24 h). */
  apqTtlSeconds?: number;
  /** Timeout, pool idle time, connections and response bound of subgraph requests. Default `DEFAULT_SUBGRAPH_TRANSPORT`. */
  subgraphTransport?: Partial<SubgraphTransportSettings>;
  /** `SUBSCRIPTION_UPSTREAM_RETRY_MS`: how long a subscription whose subgraph connection was lost waits for a replica to take it back before it ends with a retryable SERVICE_UNAVAILABLE, in ms. Default 30 000. */
  subscriptionUpstreamRetryMs?: number;
  /** Plugins run after the gateway's own (request id, identity, persisted operations, authorization, operation resolution, introspection policy, demand control, error shaping, operation limits, access log). Default none. */
  plugins?: readonly GatewayPlugin[];
  /** The source of time (identity signatures' ages, token expiry of subscriptions and WebSocket connections). Default: the system clock. Tokens are checked against the `authenticate` function's own clock. */
  clock?: Clock;
}

export interface RunningGateway {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`. */
  url: string;
  port: number;
  /** The routing URL used for each subgraph, overrides applied (replicas comma-separated). */
  subgraphUrls: Record<string, string>;
  /** Federated subscriptions (graphql-ws and multipart): counts for health checks and tests. */
  subscriptions: SubscriptionService;
  close(): Promise<void>;
}

/**
 * Assembles and starts the gateway: the pipeline of plugins every operation
 * runs through (whatever its transport), `@apollo/gateway` over the composed
 * supergraph (subgraphs are never introspected at run time) served by
 * `@apollo/server`, the federated subscription service with its graphql-ws
 * and multipart transports, and the HTTP router (`/graphql`, `/health`,
 * `/ready`) on `node:http`.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { logger, supergraph } = options;
  const subgraphUrls = { ...supergraph.subgraphUrls };
  for (const [name, url] of Object.entries(options.subgraphUrls ?? {})) {
    if (!(name in subgraphUrls)) throw new Error(`A URL was given for subgraph "${name}", but the supergraph has no such subgraph.`);
    subgraphUrls[name] = replicaUrls(url).join(',');
  }
  const persistedOperations = options.persistedOperations ?? 'apq';
  const ownStore = options.sharedStore ? undefined : new MemorySharedStore();
  const sharedStore = options.sharedStore ?? ownStore!;
  const pipeline = new GatewayPipeline([
    requestIdPlugin(),
    identityPlugin({ authenticate: options.authenticate, identitySecret: options.identitySecret, clock: options.clock }),
    persistedOperationsPlugin({
      mode: persistedOperations,
      store: sharedStore,
      ttlSeconds: options.apqTtlSeconds,
      manifest:
        persistedOperations === 'safelist'
          ? loadPersistedQueryManifest(options.persistedOperationsManifest ?? DEFAULT_PERSISTED_OPERATIONS_MANIFEST)
          : undefined,
      logger,
    }),
    authorizationPlugin({ supergraph, mode: options.authorizationMode }),
    rateLimitPlugin({ store: sharedStore, limits: options.rateLimits }),
    operationResolutionPlugin(),
    introspectionPolicyPlugin({ allowed: options.introspection ?? !options.production }),
    demandControlPlugin({ schema: costSchemaFromSupergraph(supergraph.sdl), maxCost: options.maxCost, mode: options.costMode, logger }),
    errorShapingPlugin({ production: options.production, logger }),
    // After every plugin that may add errors to a result: it caps their number.
    operationLimitsPlugin({ schema: supergraph.supergraph.apiSchema().toGraphQLJSSchema(), limits: options.limits }),
    accessLogPlugin({ logger }),
    ...(options.plugins ?? []),
  ]);

  // The data sources are kept: subscriptions fetch entities through the same ones queries use.
  const dataSources: Record<string, SubgraphDataSource> = {};
  // Every request to a subgraph is signed: fetches, and the WebSocket upgrades of subscriptions.
  const signRequest = gatewayRequestSigner(options.identitySecret, options.clock);
  // One client per subgraph over its replicas, shared by queries, mutations and subscriptions' entity fetches.
  const transport = new SubgraphTransport(options.subgraphTransport, logger);
  for (const [name, urls] of Object.entries(subgraphUrls)) transport.client(name, replicaUrls(urls), signRequest);
  const gateway = new ApolloGateway({
    supergraphSdl: supergraph.executionSdl,
    // Each fetch's parsed document reaches the data source: whether it is a query (retries, dedup), and where its fields go.
    queryPlannerConfig: { exposeDocumentNodeInFetchNode: true },
    buildService: ({ name, url }) =>
      (dataSources[name] = new SubgraphDataSource(name, transport.client(name, replicaUrls(subgraphUrls[name] ?? url ?? ''), signRequest), pipeline)),
    experimental_didResolveQueryPlan: ({ queryPlan, requestContext }) => pipeline.plan((requestContext.context as GatewayContext).operation, queryPlan),
    logger,
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    // The composition root owns shutdown: Apollo's own handlers would re-raise the signal and cut it short (exit 143).
    stopOnTerminationSignals: false,
    // The pipeline's introspection policy decides, for every transport alike.
    introspection: true,
    // The pipeline's persisted-operations plugin is the one mechanism, on every transport alike.
    persistedQueries: false,
    includeStacktraceInErrorResponses: !options.production,
    formatError: (formatted, error) => pipeline.formatError(formatted, error),
    plugins: [
      options.production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
      apolloPipelineAdapter(pipeline),
    ],
  });
  await apollo.start();
  let loaded = true;

  const subscriptions = new SubscriptionService({
    supergraph: supergraph.supergraph,
    subgraphUrls,
    signRequest,
    dataSources,
    pipeline,
    logger,
    clock: options.clock,
    upstreamRetryMs: options.subscriptionUpstreamRetryMs,
  });
  const cors = corsPolicy(options.cors ?? { origins: [], allowLocalhost: !options.production });
  const route = gatewayRouter({
    pipeline,
    apollo,
    subscriptions,
    cors,
    maxBodyBytes: options.maxBodyBytes,
    readiness: async () => {
      const health = await transport.health();
      const subgraphs = Object.fromEntries(Object.entries(health).map(([name, each]) => [name, each.state]));
      // Replica URLs are internal addresses: production shows each replica by its position in the list.
      const replicas = Object.fromEntries(
        Object.entries(health).map(([name, each]) => [
          name,
          each.replicas.map(({ url, state, inFlight, answers }, index) => ({
            replica: options.production ? index : url,
            state: answers ? state : 'down',
            inFlight,
          })),
        ]),
      );
      const ready = loaded && Object.values(subgraphs).every((state) => state === 'up');
      const counts = { clients: subscriptions.subscriberCount, topics: subscriptions.topicCount, upstreams: subscriptions.upstreamCount };
      return { ready, body: { status: ready ? 'ready' : 'not ready', supergraphLoaded: loaded, subgraphs, replicas, subscriptions: counts } };
    },
  });
  const httpServer = http.createServer((req, res) => {
    void route(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'request failed');
      if (!res.headersSent) sendRequestError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
      else res.destroy();
    });
  });
  const graceful = gracefulClose(httpServer);
  const graphqlWs = attachGraphqlWs({
    httpServer,
    service: () => subscriptions,
    pipeline,
    allowsOrigin: cors.allows,
    logger,
    production: options.production,
    maxPayloadBytes: options.maxMessageBytes,
    maxSubscriptionsPerConnection: options.maxSubscriptionsPerConnection,
    maxSendStallMs: options.subscriptionSendStallMs,
    maxBufferedBytes: options.subscriptionMaxBufferedBytes,
    clock: options.clock,
  });

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
        await transport.close();
        await ownStore?.close();
      })()),
  };
}
