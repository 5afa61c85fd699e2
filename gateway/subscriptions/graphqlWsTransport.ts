import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { GraphQLError, parse, type ExecutionResult } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { AuthenticationFailed, type Authenticate, type AuthenticatedViewer } from '../auth/authenticate';
import { SubscriptionService } from './subscriptionService';
import type { AccessLog } from '../plugins/requestLogging';

export interface GraphqlWsTransportOptions {
  /** The gateway's HTTP server; upgrades to `path` become graphql-ws connections. */
  httpServer: http.Server;
  /** Default `/graphql`. */
  path?: string;
  /** Resolved lazily: the service exists once the supergraph is loaded. */
  service: () => SubscriptionService | undefined;
  authenticate: Authenticate;
  /** The CORS policy's origin check: a browser upgrade from another origin is refused with 403. */
  allowsOrigin: (origin: string | undefined, host: string | undefined) => boolean;
  /** Writes one line per subscription when it ends. */
  accessLog: AccessLog;
  logger: Logger;
  /** Largest message a client may send, in bytes. Default 64 KiB. */
  maxPayloadBytes?: number;
  /** Most subscriptions one connection may hold at once. Default 100. */
  maxSubscriptionsPerConnection?: number;
  /** Ping interval that keeps idle connections alive and finds dead ones. Default 12 000 ms. */
  keepAliveMs?: number;
  /** Hides internal error messages. */
  production: boolean;
}

export interface GraphqlWsTransport {
  /** Open client connections. */
  readonly connections: number;
  /** Closes every connection with 1001 (going away). */
  close(): Promise<void>;
}

interface ConnectionState {
  viewer: AuthenticatedViewer;
  requestId: string;
  active: Set<string>;
}

/**
 * The graphql-ws (`graphql-transport-ws`) endpoint on the gateway's
 * `/graphql`: the token comes in `connection_init` (`{ authorization:
 * "Bearer …" }`, as Apollo Sandbox and `GraphQLWsLink` send it), a bad token
 * closes the connection 4403, and each subscription goes to the shared
 * `SubscriptionService`. Queries and mutations belong on HTTP and are refused.
 */
export function attachGraphqlWs(options: GraphqlWsTransportOptions): GraphqlWsTransport {
  const { logger } = options;
  const maxSubscriptions = options.maxSubscriptionsPerConnection ?? 100;
  const wss = new WebSocketServer({
    server: options.httpServer,
    path: options.path ?? '/graphql',
    maxPayload: options.maxPayloadBytes ?? 64 * 1024,
    // Browsers send Origin on every upgrade and do not apply CORS to WebSockets: the server must.
    verifyClient: ({ origin, req }: { origin?: string; req: http.IncomingMessage }, done: (ok: boolean, status?: number, message?: string) => void) =>
      options.allowsOrigin(origin || undefined, req.headers.host) ? done(true) : done(false, 403, 'Origin not allowed'),
  });
  const states = new WeakMap<object, ConnectionState>();
  const disposable = useServer<Record<string, unknown> | undefined, { state?: ConnectionState }>(
    {
      isProd: options.production,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const header = params.authorization ?? params.Authorization ?? (typeof params.token === 'string' ? `Bearer ${params.token}` : undefined);
        let viewer: AuthenticatedViewer = null;
        try {
          viewer = await options.authenticate({ authorization: typeof header === 'string' ? header : undefined });
        } catch (error) {
          if (error instanceof AuthenticationFailed) {
            logger.debug({ reason: error.message }, 'graphql-ws connection refused');
            // A token that cannot be checked now is not a bad token: close with 1013 (try again later), as HTTP answers 503.
            if (error.reason === 'unavailable') ctx.extra.socket.close(1013, `${ErrorCode.SERVICE_UNAVAILABLE}: ${error.message}`.slice(0, 123));
            return false;
          }
          throw error;
        }
        states.set(ctx, { viewer, requestId: randomUUID(), active: new Set() });
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const state = states.get(ctx);
        const service = options.service();
        if (!state || !service) return [new GraphQLError('The gateway is not ready for subscriptions yet.', { extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } })];
        let isSubscription: boolean;
        try {
          isSubscription = SubscriptionService.isSubscription(parse(payload.query), payload.operationName);
        } catch (error) {
          return [new GraphQLError((error as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        if (!isSubscription) {
          return [new GraphQLError('Only subscriptions are served over WebSocket; send queries and mutations as HTTP requests to /graphql.', { extensions: { code: 'BAD_REQUEST' } })];
        }
        if (state.active.size >= maxSubscriptions) {
          return [new GraphQLError(`A connection may hold at most ${maxSubscriptions} subscriptions; complete one first.`, { extensions: { code: 'SUBSCRIPTION_LIMIT' } })];
        }
        // The slot is taken before waiting, so subscriptions arriving together cannot all squeeze past the cap.
        state.active.add(id);
        const requestId = `${state.requestId}:${id}`;
        const logged = options.accessLog.subscription({ requestId, operationName: payload.operationName ?? null, operation: 'subscription', userId: state.viewer?.userId ?? null });
        const started = await service.start(
          { query: payload.query, operationName: payload.operationName, variables: payload.variables },
          { viewer: state.viewer, expiresAt: state.viewer?.expiresAt, requestId },
        );
        if ('errors' in started) {
          state.active.delete(id);
          logged.record.errorCodes = started.errors.map((error) => String(error.extensions?.code ?? 'UNKNOWN'));
          logged.end();
          return started.errors;
        }
        // graphql-ws executes what `onSubscribe` returns; the stream rides in the context to `subscribe` below.
        const stream = tracked(started.stream, () => {
          state.active.delete(id);
          logged.end();
        });
        return { schema: undefined as never, document: parse(payload.query), contextValue: { stream }, variableValues: payload.variables, operationName: payload.operationName };
      },
      subscribe: (args) => (args.contextValue as { stream: AsyncIterableIterator<ExecutionResult> }).stream,
      execute: () => ({ errors: [new GraphQLError('Only subscriptions are served over WebSocket.')] }),
    },
    wss,
    options.keepAliveMs ?? 12_000,
  );
  return {
    get connections() {
      return wss.clients.size;
    },
    close: async () => {
      for (const socket of wss.clients) socket.close(1001, 'The gateway is shutting down');
      // Disposing completes every operation and closes the WebSocket server (not the HTTP server it shares).
      await disposable.dispose();
    },
  };
}

/** Wraps a stream so `onEnd` runs once when it finishes or is returned. */
function tracked(stream: AsyncIterableIterator<ExecutionResult>, onEnd: () => void): AsyncIterableIterator<ExecutionResult> {
  let ended = false;
  const end = () => {
    if (!ended) {
      ended = true;
      onEnd();
    }
  };
  const wrapper: AsyncIterableIterator<ExecutionResult> = {
    next: async () => {
      const result = await stream.next();
      if (result.done) end();
      return result;
    },
    return: async () => {
      end();
      return stream.return ? stream.return() : { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return wrapper;
    },
  };
  return wrapper;
}
