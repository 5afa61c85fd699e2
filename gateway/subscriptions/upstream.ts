import { IDENTITY_EXTENSION, IDENTITY_HEADER, REQUEST_ID_EXTENSION } from '../../platform/auth/gatewayIdentity';
import { REQUEST_ID_HEADER } from '../plugins/requestId';
import WebSocket from 'ws';
import { createClient, type Client, type SubscribePayload } from 'graphql-ws';
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { AsyncQueue } from '../../platform/asyncQueue';
import type { RequestSigner } from '../../platform/auth/gatewaySignature';
import { signedWebSocket } from '../../platform/http/signedWebSocket';

export { IDENTITY_EXTENSION } from '../../platform/auth/gatewayIdentity';

/** One subscription to send to a subgraph. */
export interface UpstreamSubscriptionRequest {
  /** Document text, e.g. `PlannedSubscription.primaryOperation`. */
  query: string;
  operationName?: string;
  variables?: Record<string, unknown>;
  /**
   * The subscribe payload's `extensions`, e.g. `{ identity: <signed token> }`.
   * A function is called each time the subscribe message is sent, the first
   * time and again after every reconnect, so a long-lived subscription can
   * present a token that has not expired; it must not throw.
   */
  extensions?: Record<string, unknown> | (() => Record<string, unknown>);
}

/** The results of one upstream subscription, in order, and a way to stop it. */
export interface UpstreamSubscription extends AsyncIterableIterator<FormattedExecutionResult> {
  /** Stops the subscription upstream (a `complete` message) and ends iteration. Idempotent. */
  cancel(): void;
}

/** Why an upstream subscription ended other than by completing or being cancelled. */
export class UpstreamSubscriptionError extends Error {
  constructor(
    /** The subgraph the subscription was sent to. */
    readonly serviceName: string,
    message: string,
    /** Present when the subgraph refused the operation (a graphql-ws `error` message). */
    readonly errors?: readonly GraphQLFormattedError[],
    /** Present when the WebSocket closed and retrying gave up. */
    readonly closeCode?: number,
  ) {
    super(message);
    this.name = 'UpstreamSubscriptionError';
  }
}

export interface UpstreamSubscriptionPoolOptions {
  /** Each subgraph's HTTP routing URL by name; `http(s)://` becomes `ws(s)://`, the path is kept. */
  subgraphUrls: Readonly<Record<string, string>>;
  /** Reconnection attempts after an abnormal close before subscriptions fail. Default 5. */
  retryAttempts?: number;
  /** Interval of keep-alive pings to each subgraph, in ms; 0 turns them off. Default 12 000. */
  keepAliveMs?: number;
  /** How long a socket with no subscriptions left stays open, in ms. Default 1 000. */
  lazyCloseTimeoutMs?: number;
  /** How long to wait for a subgraph's `connection_ack`, in ms. Default 10 000. */
  connectionAckWaitTimeoutMs?: number;
  /** Results a subscription may hold unread before it is ended as too slow. Default 1 000. */
  maxQueuedResults?: number;
  /** Signs each WebSocket upgrade (`GET` of the path, an empty body, anonymous), reconnects included. Default none. */
  signUpgrade?: RequestSigner;
}

/**
 * The gateway's subscriptions to subgraphs: one lazy graphql-ws client per
 * subgraph URL, opened by the first subscription and closed after the last,
 * reconnecting (and resubscribing) after an abnormal close.
 */
export class UpstreamSubscriptionPool {
  private readonly options: Required<Omit<UpstreamSubscriptionPoolOptions, 'subgraphUrls' | 'signUpgrade'>>;
  /** `ws`, or its subclass that signs each upgrade request. */
  private readonly webSocketImpl: typeof WebSocket;
  private readonly subgraphUrls: Readonly<Record<string, string>>;
  private readonly clients = new Map<string, Client>();
  private active = 0;
  private closed = false;

  constructor(options: UpstreamSubscriptionPoolOptions) {
    this.subgraphUrls = { ...options.subgraphUrls };
    this.options = {
      retryAttempts: options.retryAttempts ?? 5,
      keepAliveMs: options.keepAliveMs ?? 12_000,
      lazyCloseTimeoutMs: options.lazyCloseTimeoutMs ?? 1_000,
      connectionAckWaitTimeoutMs: options.connectionAckWaitTimeoutMs ?? 10_000,
      maxQueuedResults: options.maxQueuedResults ?? 1_000,
    };
    this.webSocketImpl = options.signUpgrade ? signedWebSocket(options.signUpgrade) : WebSocket;
  }

  /** Upstream subscriptions open right now, across every subgraph. */
  get activeSubscriptions(): number {
    return this.active;
  }

  /**
   * Subscribes on `serviceName`'s subgraph. The returned iterator yields each
   * result the subgraph sends, ends when the subgraph completes, and throws an
   * `UpstreamSubscriptionError` when the subgraph refuses the operation or the
   * connection is lost for good. Breaking out of `for await` cancels it.
   */
  subscribe(serviceName: string, request: UpstreamSubscriptionRequest): UpstreamSubscription {
    if (this.closed) throw new Error('The upstream subscription pool is closed.');
    const url = this.subgraphUrls[serviceName];
    if (!url) throw new Error(`No URL for subgraph "${serviceName}"; known subgraphs: ${Object.keys(this.subgraphUrls).join(', ')}.`);
    const client = this.clientFor(url);

    // Set once the subgraph has ended the subscription itself: then there is nothing to unsubscribe.
    let endedUpstream = false;
    let unsubscribe: (() => void) | undefined;
    const results = new AsyncQueue<FormattedExecutionResult>({
      capacity: this.options.maxQueuedResults,
      whenFull: {
        end: () => ({
          error: new UpstreamSubscriptionError(
            serviceName,
            `The subscription to subgraph "${serviceName}" fell more than ${this.options.maxQueuedResults} results behind and was ended.`,
          ),
        }),
      },
      onStop: () => {
        this.active--;
        if (!endedUpstream) unsubscribe?.();
      },
    });

    const { extensions } = request;
    // graphql-ws serialises the payload each time it sends it, so a getter re-reads the extensions on every resubscribe.
    const payload: SubscribePayload = {
      query: request.query,
      operationName: request.operationName,
      variables: request.variables,
      get extensions() {
        return typeof extensions === 'function' ? extensions() : extensions;
      },
    };

    this.active++;
    unsubscribe = client.subscribe<Record<string, unknown>, Record<string, unknown>>(payload, {
      next: (result) => void results.push(result),
      // Results already queued are read before the failure.
      error: (error) => {
        endedUpstream = true;
        results.end({ error: upstreamError(serviceName, error) });
      },
      complete: () => {
        endedUpstream = true;
        results.end();
      },
    });

    // Unread results are dropped: whoever cancelled will not read them; a read that is waiting ends.
    const cancel = (): void => void results.return();
    return Object.assign(results, { cancel });
  }

  /**
   * Ends every upstream subscription (each iterator completes) and closes
   * every socket. graphql-ws does not clear a pending lazy-close timer on
   * dispose, so the process may stay up to `lazyCloseTimeoutMs` longer.
   */
  async close(): Promise<void> {
    this.closed = true;
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map(async (client) => client.dispose()));
  }

  private clientFor(httpUrl: string): Client {
    const url = toWebSocketUrl(httpUrl);
    let client = this.clients.get(url);
    if (!client) {
      client = createClient({
        url,
        webSocketImpl: this.webSocketImpl,
        lazy: true,
        lazyCloseTimeout: this.options.lazyCloseTimeoutMs,
        keepAlive: this.options.keepAliveMs,
        connectionAckWaitTimeout: this.options.connectionAckWaitTimeoutMs,
        retryAttempts: this.options.retryAttempts,
        // By default only close events are retried; a refused connection (a subgraph restarting) is worth retrying too.
        shouldRetry: () => true,
      });
      this.clients.set(url, client);
    }
    return client;
  }
}

/** `http://host:4002/graphql` → `ws://host:4002/graphql`; `ws(s)` URLs are kept. */
export function toWebSocketUrl(httpUrl: string): string {
  const url = new URL(httpUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new Error(`Expected an http(s) or ws(s) URL for a subgraph, got ${httpUrl}.`);
  return url.toString();
}

function upstreamError(serviceName: string, error: unknown): UpstreamSubscriptionError {
  // graphql-ws reports a refused operation as the `error` message's GraphQL errors.
  if (Array.isArray(error)) {
    const errors = error as GraphQLFormattedError[];
    return new UpstreamSubscriptionError(serviceName, `Subgraph "${serviceName}" refused the subscription: ${errors.map((e) => e.message).join('; ')}`, errors);
  }
  if (isCloseEvent(error)) {
    const reason = error.reason ? `: ${error.reason}` : '';
    return new UpstreamSubscriptionError(
      serviceName,
      `The connection to subgraph "${serviceName}" closed with code ${error.code}${reason}.`,
      undefined,
      error.code,
    );
  }
  // A connection that could not be opened arrives as the socket's `ErrorEvent`, which has a message but is no `Error`.
  const message = hasMessage(error) ? error.message : String(error);
  return new UpstreamSubscriptionError(serviceName, `The subscription to subgraph "${serviceName}" failed: ${message}`);
}

function hasMessage(value: unknown): value is { message: string } {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === 'object' && value !== null && 'code' in value && typeof value.code === 'number' && 'reason' in value;
}

/**
 * The subgraph headers the pipeline gives a request, as the `extensions` of
 * an upstream graphql-ws subscribe message, where there are no
 * per-operation headers: the signed identity and the request id, under the
 * keys the subgraphs read (`platform/auth/gatewayIdentity.ts`).
 */
export function extensionsFromHeaders(headers: ReadonlyMap<string, string>): Record<string, unknown> {
  const extensions: Record<string, unknown> = {};
  const identity = headers.get(IDENTITY_HEADER);
  const requestId = headers.get(REQUEST_ID_HEADER);
  if (identity) extensions[IDENTITY_EXTENSION] = identity;
  if (requestId) extensions[REQUEST_ID_EXTENSION] = requestId;
  return extensions;
}
