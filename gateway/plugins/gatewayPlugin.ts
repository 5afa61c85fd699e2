import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError, parse, type DocumentNode, type GraphQLFormattedError, type OperationDefinitionNode, type ParseOptions } from 'graphql';
import type { QueryPlan } from '@apollo/query-planner';
import type { AuthenticatedViewer } from '../auth/authenticate';
import { ErrorCode, type PublicCode } from '../../platform/errors';

/** How an operation reached the gateway. */
export type Transport = 'http' | 'multipart' | 'graphql-ws';

/**
 * One HTTP request, or one graphql-ws connection (its `connection_init`):
 * what arrived and who sent it. Plugins fill in `requestId` and `viewer`.
 */
export interface GatewayRequest {
  transport: Transport;
  /** The HTTP request's headers (for a WebSocket, the upgrade request's). */
  headers: IncomingHttpHeaders;
  /** The credentials: the `Authorization` header, or the `authorization` connection parameter of a WebSocket. */
  authorization: string | undefined;
  /** The address the connection came from (the peer, before any proxy header is considered). */
  remoteAddress: string | undefined;
  /** Set by the request-id plugin. */
  requestId: string;
  /** Set by the identity plugin: the verified caller, or null. */
  viewer: AuthenticatedViewer;
  /** Per-request state of plugins, keyed by each plugin's own symbol. */
  readonly state: Map<symbol, unknown>;
}

/** One GraphQL operation: an HTTP query or mutation, or one subscription on either subscription transport. */
export interface GatewayOperation {
  readonly request: GatewayRequest;
  /** The request id, and for a graphql-ws subscription `<connection request id>:<subscription id>`. */
  id: string;
  /** The operation's text, once the transport has read it. */
  source?: string;
  /** Set once parsed. An `onOperation` hook may replace it (e.g. with fields the caller may not see removed): what is planned is this document. */
  document?: DocumentNode;
  /** The operation's variables, as sent. */
  variables?: Readonly<Record<string, unknown>>;
  /** The operation the document and `operationName` select; unset when they select none. */
  operation?: OperationDefinitionNode;
  operationName: string | null;
  /** The HTTP status sent, when the transport has one. */
  status?: number;
  /** The `extensions.code` of every error sent. */
  errorCodes: string[];
  /** When it began (`performance.now()`). */
  readonly startedAt: number;
  /** Per-operation state of plugins. */
  readonly state: Map<symbol, unknown>;
}

/** What a plugin may add to a request the gateway sends to a subgraph (an HTTP fetch, or an upstream subscription). */
export interface SubgraphRequest {
  subgraph: string;
  /** Headers to send: on HTTP as headers; on an upstream graphql-ws subscription mapped to `extensions` (see `upstreamExtensions`). */
  headers: Map<string, string>;
}

/** What a client sent for one operation before its text is settled: `query` may be absent (a persisted operation sent by its hash). */
export interface SentOperation {
  query?: string;
  extensions?: Readonly<Record<string, unknown>>;
}

/**
 * The HTTP status and headers a refusal asks for, read from a
 * `GraphQLError`'s `extensions.http` (as Apollo Server reads it): `status`,
 * and `headers` as a plain object or a `Map` (e.g. `Retry-After`).
 */
export function httpOf(error: GraphQLError): { status?: number; headers: Record<string, string> } {
  const http = error.extensions.http as { status?: unknown; headers?: unknown } | undefined;
  const headers: Record<string, string> = {};
  if (http?.headers instanceof Map) for (const [name, value] of http.headers as Map<string, string>) headers[name] = String(value);
  else if (http?.headers && typeof http.headers === 'object') for (const [name, value] of Object.entries(http.headers)) headers[name] = String(value);
  return { status: typeof http?.status === 'number' ? http.status : undefined, headers };
}

/** A result about to be sent: an HTTP response, or one subscription event. Its errors are already shaped by `formatError`. */
export interface OutgoingResult {
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
}

/** A request refused before any operation ran: the status and code it is answered with. */
export class GatewayRejection extends Error {
  constructor(
    readonly status: number,
    readonly code: PublicCode,
    message: string,
    /** The close code when the request is a WebSocket connection. */
    readonly webSocketCloseCode: number,
    /** Extra response headers (e.g. `www-authenticate`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GatewayRejection';
  }
}

/**
 * One cross-cutting concern of the gateway, with a hook for each phase of an
 * operation's life. Every transport — HTTP GET/POST, graphql-ws, multipart
 * subscriptions — runs the same hooks through `GatewayPipeline`, so a concern
 * written once applies everywhere. Each hook is optional.
 */
export interface GatewayPlugin {
  /** For logs and errors. */
  readonly name: string;
  /** A request or WebSocket connection arrived, before its body is read. Throw `GatewayRejection` to refuse it. */
  onRequest?(request: GatewayRequest): void | Promise<void>;
  /**
   * An operation arrived, its text perhaps not (a persisted operation sent by
   * hash). Return the text to run, or undefined to keep what was sent; throw
   * a `GraphQLError` (with `extensions.code`, and `extensions.http`) to refuse
   * it. Runs on every transport before `parse`.
   */
  onResolveSource?(operation: GatewayOperation, sent: SentOperation): string | undefined | Promise<string | undefined>;
  /** Options for parsing every document (e.g. `maxTokens`); where plugins disagree, the smallest limit wins. */
  readonly parseOptions?: Pick<ParseOptions, 'maxTokens'>;
  /**
   * The operation's text arrived, not yet parsed. Throw a `GraphQLError` (with
   * `extensions.code`) to refuse it. The verdict must depend on the text alone:
   * the pipeline caches it.
   */
  onSource?(source: string): void;
  /**
   * The document is parsed, not yet validated against the schema. Throw a
   * `GraphQLError` (with `extensions.code`) to refuse it. Must be cheap and
   * depend on the document alone: the pipeline caches the verdict per text.
   */
  onDocument?(document: DocumentNode): void;
  /**
   * The operation is parsed and valid against the schema, not yet planned.
   * Throw a `GraphQLError` (with `extensions.code`, and `extensions.http.status`)
   * to refuse it; or replace `operation.document` to change what is planned.
   */
  onOperation?(operation: GatewayOperation): void | Promise<void>;
  /** The operation's query plan is made. */
  onPlan?(operation: GatewayOperation, plan: QueryPlan): void;
  /** A request to a subgraph is about to be sent on the operation's behalf. */
  onSubgraphRequest?(operation: GatewayOperation, request: SubgraphRequest): void | Promise<void>;
  /** Shapes each error sent to the client; plugins run in order, each on the previous one's result. */
  formatError?(formatted: GraphQLFormattedError, error: unknown, operation: GatewayOperation | undefined): GraphQLFormattedError;
  /**
   * A result is about to be sent (an HTTP response, each subscription event).
   * May change its `data` and `errors`; `format` shapes a new error as every
   * other is shaped. Plugins run in order.
   */
  onResult?(operation: GatewayOperation, result: OutgoingResult, format: (error: GraphQLError) => GraphQLFormattedError): void;
  /** The operation ended: its response was sent, or its subscription completed. Runs once. */
  onEnd?(operation: GatewayOperation): void;
}

/** Distinct operation texts whose parse verdict is kept. */
const PARSE_CACHE_SIZE = 1000;

/** Runs the plugins' hooks, in the order the plugins were given. */
export class GatewayPipeline {
  private readonly ended = new WeakSet<GatewayOperation>();
  private readonly parseOptions: ParseOptions;
  /** Per operation text, its document or the error that refused it; oldest first (least recently used). */
  private readonly parsed = new Map<string, DocumentNode | GraphQLError>();

  constructor(readonly plugins: readonly GatewayPlugin[]) {
    const limits = plugins.flatMap((plugin) => (plugin.parseOptions?.maxTokens === undefined ? [] : [plugin.parseOptions.maxTokens]));
    this.parseOptions = limits.length ? { maxTokens: Math.min(...limits) } : {};
  }

  /** A fresh request for a transport, before any plugin ran. */
  static newRequest(transport: Transport, headers: IncomingHttpHeaders, authorization: string | undefined, remoteAddress?: string): GatewayRequest {
    return { transport, headers, authorization, remoteAddress, requestId: '', viewer: null, state: new Map() };
  }

  /** A fresh operation of `request`; `id` defaults to the request id. */
  static newOperation(request: GatewayRequest, operationName: string | null, id = request.requestId): GatewayOperation {
    return { request, id, operationName, errorCodes: [], startedAt: performance.now(), state: new Map() };
  }

  async request(request: GatewayRequest): Promise<void> {
    for (const plugin of this.plugins) await plugin.onRequest?.(request);
  }

  /** Runs the plugins' `onResolveSource` hooks in order; returns the operation's text (undefined when there is none). */
  async resolveSource(operation: GatewayOperation, sent: SentOperation): Promise<string | undefined> {
    let query = sent.query;
    for (const plugin of this.plugins) {
      if (!plugin.onResolveSource) continue;
      const resolved = await plugin.onResolveSource(operation, { ...sent, query });
      if (resolved !== undefined) query = resolved;
    }
    return query;
  }

  /**
   * Parses an operation's text, on every transport the same way: the
   * plugins' `onSource` hooks, `parse` with their `parseOptions`, their
   * `onDocument` hooks. Sets `operation.source` and `operation.document`.
   * Throws the `GraphQLError` that refuses it (`GRAPHQL_PARSE_FAILED` for a
   * syntax error). The verdict is cached per text, so a document sent again
   * (or by a transport and then the service it hands to) is parsed once.
   */
  parse(operation: GatewayOperation, source: string): DocumentNode {
    operation.source = source;
    let verdict = this.parsed.get(source);
    if (verdict) {
      // Most recently used goes last.
      this.parsed.delete(source);
    } else {
      verdict = this.check(source);
      if (this.parsed.size >= PARSE_CACHE_SIZE) this.parsed.delete(this.parsed.keys().next().value!);
    }
    this.parsed.set(source, verdict);
    if (verdict instanceof GraphQLError) throw verdict;
    operation.document = verdict;
    return verdict;
  }

  private check(source: string): DocumentNode | GraphQLError {
    try {
      for (const plugin of this.plugins) plugin.onSource?.(source);
      let document: DocumentNode;
      try {
        document = parse(source, this.parseOptions);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        return new GraphQLError(error.message, {
          nodes: error.nodes,
          source: error.source,
          positions: error.positions,
          extensions: { code: ErrorCode.GRAPHQL_PARSE_FAILED },
        });
      }
      for (const plugin of this.plugins) plugin.onDocument?.(document);
      return document;
    } catch (error) {
      if (error instanceof GraphQLError) return error;
      throw error;
    }
  }

  async operation(operation: GatewayOperation): Promise<void> {
    for (const plugin of this.plugins) await plugin.onOperation?.(operation);
  }

  plan(operation: GatewayOperation, plan: QueryPlan): void {
    for (const plugin of this.plugins) plugin.onPlan?.(operation, plan);
  }

  async subgraphRequest(operation: GatewayOperation, request: SubgraphRequest): Promise<void> {
    for (const plugin of this.plugins) await plugin.onSubgraphRequest?.(operation, request);
  }

  formatError(formatted: GraphQLFormattedError, error: unknown, operation?: GatewayOperation): GraphQLFormattedError {
    let shaped = formatted;
    for (const plugin of this.plugins) if (plugin.formatError) shaped = plugin.formatError(shaped, error, operation);
    if (operation) operation.errorCodes.push(String(shaped.extensions?.code ?? 'UNKNOWN'));
    return shaped;
  }

  /** Shapes a `GraphQLError` raised by the gateway itself (subscriptions, transports). */
  formatGraphQLError(error: GraphQLError, operation?: GatewayOperation): GraphQLFormattedError {
    return this.formatError(error.toJSON(), error, operation);
  }

  /** Runs the plugins' `onResult` hooks on a result about to be sent. */
  result(operation: GatewayOperation, result: OutgoingResult): void {
    const format = (error: GraphQLError) => this.formatGraphQLError(error, operation);
    for (const plugin of this.plugins) plugin.onResult?.(operation, result, format);
  }

  end(operation: GatewayOperation): void {
    if (this.ended.has(operation)) return;
    this.ended.add(operation);
    for (const plugin of this.plugins) plugin.onEnd?.(operation);
  }
}
