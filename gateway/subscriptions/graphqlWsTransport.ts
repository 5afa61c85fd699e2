import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { setAlarm, systemClock, type Clock } from '../../platform/clock';
import { TurnScheduler } from '../../platform/turnScheduler';
import { ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { SubscriptionService } from './subscriptionService';
import { GatewayPipeline, GatewayRejection, type GatewayOperation, type GatewayRequest, type OutgoingResult } from '../plugins/gatewayPlugin';

export interface GraphqlWsTransportOptions {
  /** The gateway's HTTP server; upgrades to `path` become graphql-ws connections. */
  httpServer: http.Server;
  /** Default `/graphql`. */
  path?: string;
  /** Resolved lazily: the service exists once the supergraph is loaded. */
  service: () => SubscriptionService | undefined;
  /** The gateway pipeline: each connection runs its request hooks (request id, identity), each subscription the rest. */
  pipeline: GatewayPipeline;
  /** The CORS policy's origin check: a browser upgrade from another origin is refused with 403. */
  allowsOrigin: (origin: string | undefined, host: string | undefined) => boolean;
  logger: Logger;
  /** Largest message a client may send, in bytes. Default 64 KiB. */
  maxPayloadBytes?: number;
  /** Most subscriptions one connection may hold at once. Default 100. */
  maxSubscriptionsPerConnection?: number;
  /** Ping interval that keeps idle connections alive and finds dead ones. Default 12 000 ms. */
  keepAliveMs?: number;
  /**
   * Backpressure: a client whose oldest unsent message has waited longer than
   * this (it does not read: its TCP window is shut) is disconnected with
   * `SLOW_CONSUMER_CLOSE_CODE`. Default 10 000 ms.
   */
  maxSendStallMs?: number;
  /** Backpressure: a client with more than this many bytes queued for it is disconnected likewise. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Hides internal error messages. */
  production: boolean;
  /** The source of time for token expiry. Default: the system clock. */
  clock?: Clock;
}

export interface GraphqlWsTransport {
  /** Open client connections. */
  readonly connections: number;
  /** Closes every connection with 1001 (going away). */
  close(): Promise<void>;
}

/** The close code of a graphql-ws client that does not read what it is sent (backpressure): in the application range, retryable once it reads. */
export const SLOW_CONSUMER_CLOSE_CODE = 4008;

/** How long a closed slow client's socket may take to finish the close handshake before it is destroyed. */
const SLOW_CONSUMER_GRACE_MS = 1000;

interface ConnectionState {
  request: GatewayRequest;
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
  const path = options.path ?? '/graphql';
  const sendQueues = new WeakMap<object, number[]>();
  const messages = new TurnScheduler({ perTurn: 10 });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayloadBytes ?? 64 * 1024,
    // Browsers send Origin on every upgrade and do not apply CORS to WebSockets: the server must.
    verifyClient: ({ origin, req }: { origin?: string; req: http.IncomingMessage }, done: (ok: boolean, status?: number, message?: string) => void) =>
      options.allowsOrigin(origin || undefined, req.headers.host) ? done(true) : done(false, 403, 'Origin not allowed'),
  });
  // GraphQL is served at one path: an upgrade anywhere else is answered 404, as an HTTP request there would be.
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? '/').split('?')[0] !== path) {
      const body = JSON.stringify({ error: `No WebSocket endpoint at ${(req.url ?? '/').split('?')[0]}; subscriptions are served at ${path}.` });
      socket.end(
        `HTTP/1.1 404 Not Found\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Each message's time of sending, until the socket has taken it: the oldest says whether the client reads.
      const unsent: number[] = [];
      const send = ws.send.bind(ws) as (data: unknown, cb?: (error?: Error) => void) => void;
      ws.send = ((data: unknown, cb?: (error?: Error) => void) => {
        unsent.push(performance.now());
        send(data, (error) => {
          unsent.shift();
          cb?.(error);
        });
      }) as typeof ws.send;
      sendQueues.set(ws, unsent);
      // A client that breaks the WebSocket protocol (a message over maxPayload, a bad frame) makes `ws` emit an
      // error and close the socket itself with the right code (1009, 1002…). graphql-ws would report that as a
      // fault of ours on the console; it is the client's, and is logged as such.
      const emit = ws.emit.bind(ws) as (event: string | symbol, ...args: unknown[]) => boolean;
      ws.emit = ((event: string | symbol, ...args: unknown[]) => {
        const error = args[0] as { code?: unknown } | undefined;
        // A burst of messages (a mass reconnect: thousands of sockets, each sending its subscribes) is handed to
        // graphql-ws a few per turn of the event loop, in arrival order, so decoding and checking them does not
        // hold HTTP requests up; one that waits is dropped if its socket has closed meanwhile.
        if (event === 'message') {
          if (messages.tryNow()) return emit(event, ...args);
          void messages.turn().then(() => ws.readyState === ws.OPEN && emit(event, ...args));
          return true;
        }
        if (event === 'error' && typeof error?.code === 'string' && error.code.startsWith('WS_ERR_')) {
          logger.debug({ reason: error.code }, 'graphql-ws client broke the WebSocket protocol; its socket is closed');
          return true;
        }
        return emit(event, ...args);
      }) as typeof ws.emit;
      wss.emit('connection', ws, req);
    });
  };
  options.httpServer.on('upgrade', onUpgrade);
  // Backpressure: every second, a client that has not taken its messages for maxSendStallMs, or has more than
  // maxBufferedBytes waiting, is disconnected; it holds its own queues only, so nobody else is delayed meanwhile.
  const maxSendStallMs = options.maxSendStallMs ?? 10_000;
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
  const sweep = setInterval(
    () => {
      const now = performance.now();
      for (const ws of wss.clients) {
        const oldest = sendQueues.get(ws)?.[0];
        const stalled = oldest !== undefined && now - oldest > maxSendStallMs;
        if (!stalled && ws.bufferedAmount <= maxBufferedBytes) continue;
        if (ws.readyState !== ws.OPEN) continue;
        logger.info(
          { bufferedBytes: ws.bufferedAmount, unsentMessages: sendQueues.get(ws)?.length },
          'graphql-ws client does not read what it is sent; disconnected',
        );
        ws.close(SLOW_CONSUMER_CLOSE_CODE, 'Slow consumer: messages were not read in time');
        setTimeout(() => ws.terminate(), SLOW_CONSUMER_GRACE_MS).unref();
      }
    },
    Math.min(1000, Math.max(50, Math.floor(maxSendStallMs / 2))),
  );
  sweep.unref();
  const states = new WeakMap<object, ConnectionState>();
  const disposable = useServer<Record<string, unknown> | undefined, { state?: ConnectionState }>(
    {
      isProd: options.production,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const header = params.authorization ?? params.Authorization ?? (typeof params.token === 'string' ? `Bearer ${params.token}` : undefined);
        const request = GatewayPipeline.newRequest(
          'graphql-ws',
          ctx.extra.request.headers,
          typeof header === 'string' ? header : undefined,
          ctx.extra.request.socket.remoteAddress,
        );
        try {
          await options.pipeline.request(request);
        } catch (error) {
          if (!(error instanceof GatewayRejection)) throw error;
          logger.debug({ reason: error.message }, 'graphql-ws connection refused');
          // 4403 is graphql-ws's own answer to `false`; any other code (1013 when tokens cannot be checked now) is closed here.
          if (error.webSocketCloseCode !== 4403) ctx.extra.socket.close(error.webSocketCloseCode, `${error.code}: ${error.message}`.slice(0, 123));
          return false;
        }
        states.set(ctx, { request, active: new Set() });
        // A connection lives as long as its token: then it is closed 4403, as a bad token is at connection_init.
        if (request.viewer && Number.isFinite(request.viewer.expiresAt)) {
          const { socket } = ctx.extra;
          const cancel = setAlarm(options.clock ?? systemClock, request.viewer.expiresAt, () => socket.close(4403, 'Forbidden: the token has expired'));
          socket.once('close', cancel);
        }
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const state = states.get(ctx);
        const service = options.service();
        if (!state || !service)
          return [new GraphQLError('The gateway is not ready for subscriptions yet.', { extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } })];
        const operation = GatewayPipeline.newOperation(state.request, payload.operationName ?? null, `${state.request.requestId}:${id}`);
        const refuse = (errors: readonly GraphQLError[]) => {
          const shaped = shapeErrors(options.pipeline, errors, operation);
          options.pipeline.end(operation);
          return shaped;
        };
        // A burst of subscribes (a mass reconnect) is worked through a few per turn of the event loop, from here on.
        await service.admit(operation);
        // Settled (persisted operations), parsed and checked (limits) by the pipeline, as on every transport; the service reuses the verdict.
        let document: DocumentNode;
        let query: string;
        try {
          const source = await options.pipeline.resolveSource(operation, { query: payload.query || undefined, extensions: payload.extensions ?? undefined });
          if (source === undefined)
            throw new GraphQLError('The subscribe message has no `query`.', { extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } } });
          query = source;
          document = options.pipeline.parse(operation, query);
        } catch (error) {
          if (error instanceof GraphQLError) return refuse([error]);
          throw error;
        }
        const definition = getOperationAST(document, payload.operationName);
        if (definition && definition.operation !== 'subscription') {
          return refuse([
            new GraphQLError('Only subscriptions are served over WebSocket; send queries and mutations as HTTP requests to /graphql.', {
              extensions: { code: ErrorCode.BAD_REQUEST },
            }),
          ]);
        }
        if (state.active.size >= maxSubscriptions) {
          return refuse([
            new GraphQLError(`A connection may hold at most ${maxSubscriptions} subscriptions; complete one first.`, {
              extensions: { code: ErrorCode.TOO_MANY_SUBSCRIPTIONS },
            }),
          ]);
        }
        // The slot is taken before waiting, so subscriptions arriving together cannot all squeeze past the cap.
        state.active.add(id);
        const started = await service.start({ query, operationName: payload.operationName, variables: payload.variables }, operation);
        if ('errors' in started) {
          state.active.delete(id);
          return refuse(started.errors);
        }
        // graphql-ws executes what `onSubscribe` returns; the stream rides in the context to `subscribe` below.
        const stream = tracked(started.stream, options.pipeline, operation, () => {
          state.active.delete(id);
          options.pipeline.end(operation);
        });
        return {
          schema: undefined as never,
          document,
          contextValue: { stream },
          variableValues: payload.variables,
          operationName: payload.operationName,
        };
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
      clearInterval(sweep);
      options.httpServer.off('upgrade', onUpgrade);
      for (const socket of wss.clients) socket.close(1001, 'The gateway is shutting down');
      // Disposing completes every operation and closes the WebSocket server (not the HTTP server it shares).
      await disposable.dispose();
    },
  };
}

/** The pipeline's shaping of each error, as the `GraphQLError`s graphql-ws sends. */
function shapeErrors(pipeline: GatewayPipeline, errors: readonly GraphQLError[], operation: GatewayOperation): GraphQLError[] {
  return errors.map((error) => {
    const shaped = pipeline.formatGraphQLError(error, operation);
    return new GraphQLError(shaped.message, { path: shaped.path, extensions: shaped.extensions });
  });
}

/** Wraps a stream so each result runs the pipeline's error shaping and `onResult` hooks, and `onEnd` runs once when it finishes or is returned. */
function tracked(
  stream: AsyncIterableIterator<ExecutionResult>,
  pipeline: GatewayPipeline,
  operation: GatewayOperation,
  onEnd: () => void,
): AsyncIterableIterator<ExecutionResult> {
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
      if (result.done) {
        end();
        return result;
      }
      const outgoing: OutgoingResult = {
        data: result.value.data,
        errors: result.value.errors?.map((error) => pipeline.formatGraphQLError(error, operation)),
      };
      pipeline.result(operation, outgoing);
      const errors = outgoing.errors?.map((shaped) => new GraphQLError(shaped.message, { path: shaped.path, extensions: shaped.extensions }));
      return { done: false, value: { ...result.value, data: outgoing.data, ...(errors?.length ? { errors } : { errors: undefined }) } };
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
