import { IDENTITY_EXTENSION, IDENTITY_HEADER, REQUEST_ID_EXTENSION } from '../../platform/auth/gatewayIdentity';
import { REQUEST_ID_HEADER } from '../plugins/requestId';
import WebSocket from 'ws';
import { createClient, type Client, type SubscribePayload } from 'graphql-ws';
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { AsyncQueue } from '../../platform/asyncQueue';
import type { RequestSigner } from '../../platform/auth/gatewaySignature';
import { signedWebSocket } from '../../platform/http/signedWebSocket';
import { START_CURSOR_EXTENSION, readStartAcknowledgement } from '../../platform/http/subscriptionStart';
import { setAlarm, systemClock, type Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';

export { IDENTITY_EXTENSION } from '../../platform/auth/gatewayIdentity';

/** How an upstream subscription resumes where it was after its connection is lost. */
export interface UpstreamResume {
  /** The variable of the request's `variables` that is the field's `after`; every (re)subscribe sends it as the last cursor received. */
  afterVariable: string;
  /** The cursor of one result, or undefined when it carries none (e.g. `data` is null). */
  cursorOf(result: FormattedExecutionResult): string | undefined;
}

/** One subscription to send to a subgraph. */
export interface UpstreamSubscriptionRequest {
  /** Document text, e.g. `PlannedSubscription.primaryOperation` (or the `ResumableOperation` made of it). */
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
  /**
   * How to resume after a lost connection: re-subscribed (on any replica)
   * with `after` = the cursor of the last result received, or the start
   * cursor the subgraph acknowledged when none was (`platform/http/subscriptionStart.ts`),
   * and a result whose cursor is that `after` again is dropped. Without it, a
   * subscription whose connection is lost once it started fails (the events
   * of the gap could not be fetched again).
   */
  resume?: UpstreamResume;
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

/** How long the pool keeps trying to (re-)subscribe when no replica accepts: `SUBSCRIPTION_UPSTREAM_RETRY_MS`'s default. */
export const DEFAULT_UPSTREAM_RETRY_MS = 30_000;
/** The longest pause between two rounds over every replica of a subgraph, in ms. */
const MAX_ROUND_BACKOFF_MS = 2_000;

export interface UpstreamSubscriptionPoolOptions {
  /**
   * Each subgraph's replicas by name: their HTTP routing URLs
   * (`replicaUrls` of a comma-separated list); `http(s)://` becomes
   * `ws(s)://`, the path is kept.
   */
  subgraphUrls: Readonly<Record<string, readonly string[]>>;
  /**
   * How long, from the moment a subscription's connection is lost (or the
   * first subscribe fails), the pool tries the subgraph's replicas, in turn
   * and backing off between rounds, before the subscription fails with an
   * `UpstreamSubscriptionError`, in ms; 0 fails it at once.
   * Default `DEFAULT_UPSTREAM_RETRY_MS` (30 000).
   */
  retryMs?: number;
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
  /** Times the retry bound and the back-off. Default: the system clock. */
  clock?: Clock;
  /** Told (at `info`) of lost connections and resumed subscriptions. Default: silent. */
  logger?: Logger;
}

/**
 * The gateway's subscriptions to subgraphs: one lazy graphql-ws client per
 * replica URL, opened by the first subscription and closed after the last.
 *
 * A new subscription goes to the replica of its subgraph with the fewest
 * subscriptions (in turn among equals). When its connection is lost — the
 * replica restarted, stopped, or the socket dropped — it is sent again to
 * another replica (each one once, then all again after a back-off) until
 * one accepts it, and resumes after the last cursor received (`resume`);
 * if none accepts within `retryMs`, it fails. A subscription counts as
 * accepted when the subgraph acknowledges it (`platform/http/subscriptionStart.ts`,
 * which every subscribe message asks for) or delivers a result.
 */
export class UpstreamSubscriptionPool {
  private readonly options: Required<Omit<UpstreamSubscriptionPoolOptions, 'subgraphUrls' | 'signUpgrade' | 'clock' | 'logger'>>;
  /** `ws`, or its subclass that signs each upgrade request. */
  private readonly webSocketImpl: typeof WebSocket;
  private readonly subgraphUrls: Readonly<Record<string, readonly string[]>>;
  private readonly clients = new Map<string, Client>();
  /** Subscriptions sent to each replica (HTTP URL) and not yet ended there. */
  private readonly load = new Map<string, number>();
  /** Per subgraph, where the turn among equally loaded replicas starts next. */
  private readonly turns = new Map<string, number>();
  private readonly live = new Set<ReplicatedSubscription>();
  private readonly clock: Clock;
  private readonly logger: Logger | undefined;
  private closed = false;

  constructor(options: UpstreamSubscriptionPoolOptions) {
    this.subgraphUrls = Object.fromEntries(Object.entries(options.subgraphUrls).map(([name, urls]) => [name, [...urls]]));
    this.options = {
      retryMs: options.retryMs ?? DEFAULT_UPSTREAM_RETRY_MS,
      keepAliveMs: options.keepAliveMs ?? 12_000,
      lazyCloseTimeoutMs: options.lazyCloseTimeoutMs ?? 1_000,
      connectionAckWaitTimeoutMs: options.connectionAckWaitTimeoutMs ?? 10_000,
      maxQueuedResults: options.maxQueuedResults ?? 1_000,
    };
    this.webSocketImpl = options.signUpgrade ? signedWebSocket(options.signUpgrade) : WebSocket;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
  }

  /** Upstream subscriptions open right now, across every subgraph (one that is being sent again counts). */
  get activeSubscriptions(): number {
    return this.live.size;
  }

  /** How many subscriptions each replica of `serviceName` holds now, by its HTTP URL. */
  subscriptionsPerReplica(serviceName: string): Record<string, number> {
    return Object.fromEntries((this.subgraphUrls[serviceName] ?? []).map((url) => [url, this.load.get(url) ?? 0]));
  }

  /**
   * Subscribes on `serviceName`'s subgraph. The returned iterator yields each
   * result the subgraph sends, ends when the subgraph completes, and throws an
   * `UpstreamSubscriptionError` when the subgraph refuses the operation or no
   * replica takes it back within `retryMs`. Breaking out of `for await` cancels it.
   */
  subscribe(serviceName: string, request: UpstreamSubscriptionRequest): UpstreamSubscription {
    if (this.closed) throw new Error('The upstream subscription pool is closed.');
    const replicas = this.subgraphUrls[serviceName];
    if (!replicas?.length) throw new Error(`No URL for subgraph "${serviceName}"; known subgraphs: ${Object.keys(this.subgraphUrls).join(', ')}.`);
    const subscription = new ReplicatedSubscription(this.hostFor(serviceName), serviceName, replicas, request);
    this.live.add(subscription);
    subscription.start();
    return subscription.iterator;
  }

  /**
   * Ends every upstream subscription (each iterator completes) and closes
   * every socket. graphql-ws does not clear a pending lazy-close timer on
   * dispose, so the process may stay up to `lazyCloseTimeoutMs` longer.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const subscription of [...this.live]) subscription.end();
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map(async (client) => client.dispose()));
  }

  /** What a `ReplicatedSubscription` needs of the pool. */
  private hostFor(serviceName: string): SubscriptionHost {
    return {
      retryMs: this.options.retryMs,
      maxQueuedResults: this.options.maxQueuedResults,
      clock: this.clock,
      logger: this.logger,
      closed: () => this.closed,
      pick: (candidates) => this.pick(serviceName, candidates),
      count: (replica, delta) => void this.load.set(replica, (this.load.get(replica) ?? 0) + delta),
      clientFor: (replica) => this.clientFor(replica),
      forget: (subscription) => void this.live.delete(subscription),
    };
  }

  /** The least loaded of `candidates` (replicas of `serviceName`), taking turns among equals. */
  private pick(serviceName: string, candidates: readonly string[]): string {
    const turn = this.turns.get(serviceName) ?? 0;
    this.turns.set(serviceName, turn + 1);
    let best = candidates[turn % candidates.length]!;
    for (let i = 1; i < candidates.length; i++) {
      const candidate = candidates[(turn + i) % candidates.length]!;
      if ((this.load.get(candidate) ?? 0) < (this.load.get(best) ?? 0)) best = candidate;
    }
    return best;
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
        // The pool retries itself, on whichever replica is up, with the cursor it has reached; graphql-ws would resend the same payload to the same URL.
        retryAttempts: 0,
      });
      this.clients.set(url, client);
    }
    return client;
  }
}

/** The pool as one subgraph's subscriptions see it. */
interface SubscriptionHost {
  readonly retryMs: number;
  readonly maxQueuedResults: number;
  readonly clock: Clock;
  readonly logger: Logger | undefined;
  closed(): boolean;
  /** The replica of `candidates` to send a subscription to. */
  pick(candidates: readonly string[]): string;
  /** Counts a subscription sent to (+1) or ended at (-1) `replica`. */
  count(replica: string, delta: 1 | -1): void;
  clientFor(replica: string): Client;
  /** The subscription has ended. */
  forget(subscription: ReplicatedSubscription): void;
}

/** An outage of one subscription: since when no replica has it, which were tried this round, and the timers. */
interface Outage {
  since: number;
  tried: Set<string>;
  rounds: number;
  lastError: UpstreamSubscriptionError;
  cancelDeadline: () => void;
  cancelRetry?: () => void;
}

/** One upstream subscription through all the replicas it is sent to, one at a time. */
class ReplicatedSubscription {
  readonly iterator: UpstreamSubscription;
  private readonly results: AsyncQueue<FormattedExecutionResult>;
  private readonly payload: SubscribePayload;
  /** The `after` sent with the next subscribe (resume only): the last cursor received, or the start the subgraph acknowledged. */
  private after: unknown;
  /** The replica holding the subscription now, and how to unsubscribe there. */
  private attempt?: { replica: string; unsubscribe: () => void };
  /** Whether any replica has accepted it yet: from then on, a lost connection may have lost events. */
  private started = false;
  private outage?: Outage;

  constructor(
    private readonly pool: SubscriptionHost,
    private readonly serviceName: string,
    private readonly replicas: readonly string[],
    private readonly request: UpstreamSubscriptionRequest,
  ) {
    const { maxQueuedResults } = pool;
    this.results = new AsyncQueue<FormattedExecutionResult>({
      capacity: maxQueuedResults,
      whenFull: {
        end: () => ({
          error: new UpstreamSubscriptionError(
            serviceName,
            `The subscription to subgraph "${serviceName}" fell more than ${maxQueuedResults} results behind and was ended.`,
          ),
        }),
      },
      onStop: () => this.stop(),
    });
    // Unread results are dropped: whoever cancelled will not read them; a read that is waiting ends.
    const cancel = (): void => void this.results.return();
    this.iterator = Object.assign(this.results, { cancel });

    const { extensions, resume, variables } = request;
    this.after = resume ? (variables?.[resume.afterVariable] ?? null) : undefined;
    const self = this;
    // graphql-ws serialises the payload each time it sends it, so getters re-read the cursor and the extensions on every subscribe.
    this.payload = {
      query: request.query,
      operationName: request.operationName,
      get variables() {
        return resume ? { ...variables, [resume.afterVariable]: self.after } : variables;
      },
      get extensions() {
        return { ...(typeof extensions === 'function' ? extensions() : extensions), [START_CURSOR_EXTENSION]: true };
      },
    };
  }

  start(): void {
    this.send(this.pool.pick(this.replicas));
  }

  /** Ends the subscription as completed (the pool is closing). */
  end(): void {
    this.results.end();
  }

  /** Sends the subscribe message to `replica`; whatever an earlier replica still sends is ignored. */
  private send(replica: string): void {
    const attempt = { replica, unsubscribe: () => undefined as void };
    this.attempt = attempt;
    this.pool.count(replica, 1);
    const current = () => this.attempt === attempt;
    attempt.unsubscribe = this.pool.clientFor(replica).subscribe<Record<string, unknown>, Record<string, unknown>>(this.payload, {
      next: (result) => {
        if (current()) this.receive(result);
      },
      error: (error) => {
        if (!current()) return;
        this.release(false);
        this.failed(replica, error);
      },
      complete: () => {
        if (!current()) return;
        this.release(false);
        // A socket the pool closed completes its subscriptions; the subgraph ending one does too.
        this.results.end();
      },
    });
  }

  /** Forgets the current replica, unsubscribing there unless it has ended the subscription itself. */
  private release(unsubscribe: boolean): void {
    const attempt = this.attempt;
    if (!attempt) return;
    this.attempt = undefined;
    this.pool.count(attempt.replica, -1);
    if (unsubscribe) attempt.unsubscribe();
  }

  private receive(result: FormattedExecutionResult): void {
    const { resume } = this.request;
    const acknowledgement = readStartAcknowledgement(result);
    if (acknowledgement) {
      // Without a cursor yet, the position the subscription started after is where it resumes.
      if (resume && (this.after === null || this.after === undefined) && acknowledgement.cursor !== null) this.after = acknowledgement.cursor;
      this.accepted();
      return;
    }
    if (resume) {
      const cursor = resume.cursorOf(result);
      // The event `after` names was delivered already (or is where the client asked to start after).
      if (cursor !== undefined && cursor === this.after) return;
      if (cursor !== undefined) this.after = cursor;
    }
    this.accepted();
    void this.results.push(result);
  }

  private accepted(): void {
    this.started = true;
    const outage = this.outage;
    if (!outage) return;
    this.outage = undefined;
    outage.cancelDeadline();
    outage.cancelRetry?.();
    const { clock, logger } = this.pool;
    logger?.info(
      { serviceName: this.serviceName, replica: this.attempt?.replica, downMs: clock.now().getTime() - outage.since },
      'upstream subscription resumed',
    );
  }

  private failed(replica: string, error: unknown): void {
    const failure = upstreamError(this.serviceName, error);
    // A refusal is the subgraph's answer to this operation: another replica would give the same.
    if (failure.errors?.length || this.pool.closed()) {
      this.results.end(failure.errors?.length ? { error: failure } : {});
      return;
    }
    const { retryMs, clock, logger } = this.pool;
    // Events of the gap cannot be fetched again without a cursor: the subscriber must know.
    if (!this.request.resume && this.started) {
      this.results.end({ error: failure });
      return;
    }
    const now = clock.now().getTime();
    if (!this.outage) {
      logger?.info({ serviceName: this.serviceName, replica, err: failure }, 'upstream subscription lost; subscribing again');
      if (retryMs <= 0) {
        this.results.end({ error: failure });
        return;
      }
      this.outage = {
        since: now,
        tried: new Set(),
        rounds: 0,
        lastError: failure,
        cancelDeadline: setAlarm(clock, now + retryMs, () => this.giveUp()),
      };
    }
    const outage = this.outage;
    outage.lastError = failure;
    outage.tried.add(replica);
    const untried = this.replicas.filter((candidate) => !outage.tried.has(candidate));
    if (untried.length) {
      this.send(this.pool.pick(untried));
      return;
    }
    // Every replica failed this round: pause (200 ms, doubling, at most MAX_ROUND_BACKOFF_MS), then go round again.
    outage.tried.clear();
    outage.rounds += 1;
    const pause = Math.min(MAX_ROUND_BACKOFF_MS, 100 * 2 ** Math.min(outage.rounds, 10));
    outage.cancelRetry = setAlarm(clock, now + pause, () => {
      outage.cancelRetry = undefined;
      if (this.outage === outage && !this.results.ended) this.send(this.pool.pick(this.replicas));
    });
  }

  /** No replica took the subscription back within the bound. */
  private giveUp(): void {
    const outage = this.outage;
    if (!outage) return;
    const { retryMs } = this.pool;
    const cause = outage.lastError;
    this.results.end({
      error: new UpstreamSubscriptionError(
        this.serviceName,
        `No replica of subgraph "${this.serviceName}" took the subscription back within ${retryMs} ms; last: ${cause.message}`,
        undefined,
        cause.closeCode,
      ),
    });
  }

  /** The queue ended (cancelled, completed, failed, or too slow): nothing more is sent or retried. */
  private stop(): void {
    this.pool.forget(this);
    if (this.outage) {
      this.outage.cancelDeadline();
      this.outage.cancelRetry?.();
      this.outage = undefined;
    }
    this.release(true);
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
