import type http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import {
  GraphQLError,
  Kind,
  createSourceEventStream,
  execute,
  getOperationAST,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { AsyncQueue } from '../asyncQueue';
import type { Logger } from '../logger';
import { ErrorCode, isDomainError, toPublicError, withCode } from '../errors';
import { IDENTITY_EXTENSION, InvalidGatewayIdentity, REQUEST_ID_EXTENSION, verifyGatewayIdentity } from '../auth/gatewayIdentity';
import type { Viewer } from '../auth/identity';
import { UntrustedRequest, verifyGatewayRequest, type GatewayTrust } from '../auth/gatewaySignature';
import { requestIdOrNew } from '../ids';
import { startCursorOf } from '../events/watchEvents';
import { asksForStartCursor, startAcknowledgement } from './subscriptionStart';

/** Largest WebSocket message accepted, in bytes: 64 KiB (ws's default is 100 MiB). A larger one closes the socket with 1009. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;

export interface GraphQLWebSocketOptions {
  /** The HTTP server whose upgrade requests to `path` become graphql-ws connections. */
  server: http.Server;
  /** Default `/graphql`, the same path as HTTP. */
  path?: string;
  /** The same schema the HTTP endpoint serves. */
  schema: GraphQLSchema;
  /** Shared with the gateway; verifies the identity each subscribe message carries (and `trust.secrets`, during a rotation). */
  identitySecret: Uint8Array;
  /**
   * Verifies the gateway's signature on the upgrade request (`GET` of the
   * path, an empty body): without a valid one the upgrade is answered 401.
   * Default: `identitySecret` is the only check (tests of the protocol alone).
   */
  trust?: GatewayTrust;
  /**
   * Builds a context for the caller: once to start the subscription (its
   * `subscribe` resolver), then afresh for each event it yields, so each
   * event's fields load through new DataLoaders and never read a cache
   * filled by an earlier event.
   */
  createContext: (viewer: Viewer, requestId: string) => unknown;
  /** Hides internal error messages. */
  production: boolean;
  logger: Logger;
  /** Default `DEFAULT_MAX_MESSAGE_BYTES`. */
  maxMessageBytes?: number;
  /** How long a closing socket may take to answer the close handshake before it is cut, in ms. Default 1 000. */
  closeGraceMs?: number;
}

export interface GraphQLWebSocket {
  /** Connections open now. */
  readonly connections: number;
  /**
   * Closes every socket with 1001 (going away), cutting any that has not
   * closed after `closeGraceMs`, and resolves once their subscriptions have
   * ended; then stops accepting connections. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Serves the schema's subscriptions over graphql-ws (the
 * `graphql-transport-ws` protocol) on the HTTP server's `path`. Only
 * subscriptions: queries and mutations belong to HTTP and are refused here.
 *
 * Each subscribe message names its caller the way an HTTP request's
 * `x-gateway-identity` header does, in `payload.extensions.identity`: absent
 * is anonymous, forged or expired is refused with UNAUTHENTICATED. Every
 * refusal, whether before execution (parse, validation, identity) or by the
 * field's `subscribe` resolver (UNAUTHENTICATED, FORBIDDEN,
 * BAD_USER_INPUT…), reaches the client as one graphql-ws `error` message
 * whose formatted errors carry `extensions.code`; a subscription that
 * started sends `next` messages until the client completes it, or one
 * `error` message if it fails later.
 *
 * No server-side keep-alive: the gateway pings its subgraphs.
 */
export function serveGraphQLOverWebSocket(options: GraphQLWebSocketOptions): GraphQLWebSocket {
  const { schema, logger, production } = options;
  const closeGraceMs = options.closeGraceMs ?? 1_000;
  const { trust } = options;
  const secrets = trust?.secrets ?? [options.identitySecret];
  // Only the gateway opens connections: its signed upgrade request authenticates the socket.
  function verifyClient(
    info: { req: http.IncomingMessage },
    done: (ok: boolean, code?: number, message?: string, headers?: http.OutgoingHttpHeaders) => void,
  ): void {
    const { req } = info;
    verifyGatewayRequest({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: '' }, trust!).then(
      () => done(true),
      (error: unknown) => {
        if (!(error instanceof UntrustedRequest)) logger.error({ err: error }, 'could not check a WebSocket upgrade’s signature');
        else logger.warn({ reason: error.message }, 'refused a WebSocket upgrade the gateway did not sign');
        const body = JSON.stringify({
          errors: [
            {
              message: error instanceof UntrustedRequest ? error.message : 'Internal server error',
              extensions: { code: error instanceof UntrustedRequest ? ErrorCode.UNAUTHENTICATED : ErrorCode.INTERNAL_SERVER_ERROR },
            },
          ],
        });
        done(false, error instanceof UntrustedRequest ? 401 : 500, body, { 'Content-Type': 'application/json; charset=utf-8' });
      },
    );
  }
  const wss = new WebSocketServer({
    server: options.server,
    path: options.path ?? '/graphql',
    maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    ...(trust ? { verifyClient } : {}),
  });
  // Each socket's end: graphql-ws calls `onClose` once every subscription on it has returned.
  const ends = new Map<WebSocket, { done: Promise<void>; resolve(): void }>();
  // A subscription's source stream, created in `onSubscribe` so a refusal is an `error` message, consumed in `subscribe`.
  const started = new WeakMap<ExecutionArgs, { stream: AsyncIterable<unknown>; contextForEvent: () => unknown; acknowledge: boolean }>();
  let closing: Promise<void> | undefined;

  const format = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors.map((error) => {
      const shaped = toPublicError(error.toJSON(), error, production);
      if (shaped.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR && !isDomainError(error)) {
        logger.error({ err: error.originalError ?? error }, 'unexpected error in a subscription');
      }
      return shaped;
    });

  const disposable = useServer(
    {
      schema,
      onSubscribe: async (_ctx, _id, payload) => {
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [withCode(error as GraphQLError, ErrorCode.GRAPHQL_PARSE_FAILED)];
        }
        const invalid = validate(schema, document);
        if (invalid.length) return invalid.map((error) => withCode(error, ErrorCode.GRAPHQL_VALIDATION_FAILED));
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) {
          const message = payload.operationName
            ? `The document has no operation named "${payload.operationName}".`
            : 'The document has several operations; name the one to run in `operationName`.';
          return [new GraphQLError(message, { extensions: { code: ErrorCode.OPERATION_RESOLUTION_FAILURE } })];
        }
        if (operation.operation !== 'subscription') {
          return [
            new GraphQLError(`Only subscriptions are served over WebSocket; send this ${operation.operation} as an HTTP POST to /graphql.`, {
              extensions: { code: ErrorCode.BAD_REQUEST },
            }),
          ];
        }
        const extensions = payload.extensions ?? {};
        let viewer: Viewer;
        try {
          const token = extensions[IDENTITY_EXTENSION];
          if (token !== undefined && token !== null && typeof token !== 'string')
            throw new InvalidGatewayIdentity('The identity extension must be a string (a signed token).');
          viewer = await verifyGatewayIdentity(token ?? undefined, secrets);
        } catch (error) {
          if (error instanceof InvalidGatewayIdentity) return [new GraphQLError(error.message, { extensions: { code: error.code } })];
          throw error;
        }
        const requestId = requestIdOrNew(extensions[REQUEST_ID_EXTENSION]);
        const contextForEvent = () => options.createContext(viewer, requestId);
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: contextForEvent(),
        };
        // Runs the field's `subscribe` resolver now, so what it refuses is refused before anything is sent.
        const stream = await createSourceEventStream(args);
        if (!isAsyncIterable(stream)) {
          return (stream.errors ?? [new GraphQLError('The subscription produced no event stream.')]).map(badVariableAsUserInput);
        }
        started.set(args, { stream, contextForEvent, acknowledge: asksForStartCursor(extensions) });
        return args;
      },
      subscribe: (args) => {
        const subscription = started.get(args);
        if (!subscription) throw new Error('A subscription reached execution without going through onSubscribe.');
        started.delete(args);
        // What graphql's own `subscribe` does, with a fresh context for each event; first, when asked, where it started (`subscriptionStart.ts`).
        return executeEach(
          subscription.stream,
          (event) => execute({ ...args, rootValue: event, contextValue: subscription.contextForEvent() }),
          subscription.acknowledge ? startAcknowledgement(startCursorOf(subscription.stream) ?? null) : undefined,
        );
      },
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => format(errors),
      onClose: (ctx) => ends.get(ctx.extra.socket)?.resolve(),
    },
    wss,
    0,
  );

  // Registered after graphql-ws's own listener, so it runs after it on every connection.
  wss.on('connection', (socket) => {
    // ws has already closed a socket that broke the protocol (1009 for a message over the limit, 1002…);
    // graphql-ws would write that to console.error, the operator's log is the place.
    socket.removeAllListeners('error');
    socket.on('error', (error) => logger.warn({ err: error }, 'closed a WebSocket connection that broke the protocol'));
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    ends.set(socket, {
      done,
      resolve: () => {
        ends.delete(socket);
        resolve();
      },
    });
    // Should a subscription fail to return, the socket still counts as ended a moment after it closed.
    socket.once('close', () => setTimeout(() => ends.get(socket)?.resolve(), closeGraceMs).unref());
    if (closing) socket.close(1001, 'Going away');
  });

  return {
    get connections() {
      return wss.clients.size;
    },
    close: () =>
      (closing ??= (async () => {
        for (const socket of wss.clients) socket.close(1001, 'Going away');
        // A peer that never answers the close handshake is cut off rather than kept for ws's 30 s.
        const cutOff = setTimeout(() => {
          for (const socket of wss.clients) socket.terminate();
        }, closeGraceMs);
        cutOff.unref();
        await Promise.all([...ends.values()].map((end) => end.done));
        clearTimeout(cutOff);
        await disposable.dispose();
      })()),
  };
}

/** True for what a `subscribe` resolver returns when it accepted the subscription. */
function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof Object(value)[Symbol.asyncIterator] === 'function';
}

/** A variable that fails to coerce is the caller's mistake (BAD_USER_INPUT), as Apollo Server reports it over HTTP. */
function badVariableAsUserInput(error: GraphQLError): GraphQLError {
  const isVariableError = !error.originalError && error.nodes?.length === 1 && error.nodes[0]!.kind === Kind.VARIABLE_DEFINITION;
  return isVariableError ? withCode(error, ErrorCode.BAD_USER_INPUT) : error;
}

/**
 * Executes the operation once per source event, in order, as graphql's
 * `subscribe` does, at most one result ahead of the reader, after `first`
 * when given; `return()` ends the source (the client completed or went
 * away), and so does a failure.
 */
function executeEach(
  stream: AsyncIterable<unknown>,
  executeFor: (event: unknown) => ExecutionResult | Promise<ExecutionResult>,
  first?: ExecutionResult,
): AsyncIterableIterator<ExecutionResult> {
  const source = stream[Symbol.asyncIterator]();
  const results = new AsyncQueue<ExecutionResult>({ capacity: 1, onStop: async () => void (await source.return?.()) });
  void (async () => {
    try {
      if (first) await results.push(first);
      for (let step = await source.next(); !step.done && !results.ended; step = await source.next()) {
        await results.push(await executeFor(step.value));
      }
      results.end();
    } catch (error) {
      results.end({ error });
    }
  })();
  return results;
}
