import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { BrokenCircuitError } from 'cockatiel';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { IDENTITY_HEADER } from '../../platform/auth/gatewayIdentity';
import type { RequestSigner } from '../../platform/auth/gatewaySignature';
import { REQUEST_ID_HEADER } from '../plugins/requestId';
import { Replica, ReplicaFailure, type ReplicaStatus } from './replica';
import { RetryBudget } from './retryBudget';
import { DEFAULT_SUBGRAPH_TRANSPORT, type SubgraphTransportSettings } from './subgraphTransportSettings';

/** One GraphQL request to a subgraph, before it is signed. */
export interface SubgraphCall {
  /** The JSON body, exactly as sent (the signature's digest is of these bytes). */
  body: string;
  /** Headers the pipeline added (identity, request id…); `content-type` and the signature are added here. */
  headers: Readonly<Record<string, string>>;
  /** True for a query (an `_entities` fetch included): it may be retried and shared with identical concurrent ones. Never for a mutation. */
  safe: boolean;
  /** When the whole operation must be answered (`performance.now()` time); each attempt gets what is left. Default: only `SUBGRAPH_TIMEOUT_MS`. */
  deadline?: number;
}

/** A subgraph's answer: status, headers and the body as read (at most `SUBGRAPH_MAX_RESPONSE_BYTES`). Shared between deduplicated callers: do not modify. */
export interface SubgraphReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Each subgraph's replicas as `/ready` shows them. */
export interface SubgraphHealth {
  /** `up` when at least one replica answers. */
  state: 'up' | 'down';
  replicas: (ReplicaStatus & { url: string; answers: boolean })[];
}

// The errors of a connection that died before any byte of its response: a reused keep-alive
// socket the subgraph closed while the request was on its way, or a subgraph that crashed.
const DROPPED_CODES: ReadonlySet<unknown> = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
// The connection was never made: the request cannot have reached the subgraph.
const REFUSED_CODES: ReadonlySet<unknown> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
// How long after it was sent an identical request may still join a query in flight (deduplication).
const DEDUP_JOIN_MS = 100;
// Answers of a proxy or a server that did not process the request.
const RETRYABLE_STATUS: ReadonlySet<number> = new Set([502, 503, 504]);

/**
 * The one HTTP client of the gateway's subgraph requests (queries, mutations
 * and subscriptions' entity fetches alike). Per subgraph: its replicas (each
 * an undici keep-alive pool with a circuit breaker, `replica.ts`), a retry
 * budget, and the requests in flight for deduplication. Each request goes to
 * the less busy of two healthy replicas picked at random
 * (power-of-two-choices on requests in flight); a failure that may be
 * repeated is retried on another replica after a jittered back-off, while
 * the budget and the operation's deadline allow.
 */
export class SubgraphTransport {
  private readonly settings: SubgraphTransportSettings;
  private readonly clients = new Map<string, SubgraphClient>();
  private closed = false;

  constructor(
    settings: Partial<SubgraphTransportSettings> = {},
    /** Where failures are logged with their cause (host, socket error), which clients never see. Default none. */
    private readonly logger?: Logger,
  ) {
    this.settings = { ...DEFAULT_SUBGRAPH_TRANSPORT, ...settings };
  }

  /** The client of one subgraph over its replicas (created once per name). */
  client(subgraph: string, urls: readonly string[], sign?: RequestSigner): SubgraphClient {
    let client = this.clients.get(subgraph);
    if (!client) {
      if (!urls.length) throw new Error(`Subgraph "${subgraph}" has no URL to send requests to.`);
      client = new SubgraphClient(subgraph, urls, this.settings, () => this.closed, sign, this.logger);
      this.clients.set(subgraph, client);
    }
    return client;
  }

  /** Asks every replica of every subgraph `{ __typename }` (within `timeoutMs`), beside its breaker's state. */
  async health(timeoutMs = 2000): Promise<Record<string, SubgraphHealth>> {
    const entries = await Promise.all([...this.clients.values()].map(async (client) => [client.subgraph, await client.health(timeoutMs)] as const));
    return Object.fromEntries(entries);
  }

  /** Closes every pool once the requests in flight are answered. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.clients.values()].map((client) => client.close()));
    this.clients.clear();
  }
}

/** One subgraph's side of the transport. */
export class SubgraphClient {
  readonly replicas: readonly Replica[];
  private readonly budget: RetryBudget;
  private readonly inFlight = new Map<string, { reply: Promise<SubgraphReply>; sentAt: number }>();
  private static readonly PROBE_BODY = JSON.stringify({ query: '{ __typename }' });

  constructor(
    readonly subgraph: string,
    urls: readonly string[],
    private readonly settings: SubgraphTransportSettings,
    private readonly isClosed: () => boolean,
    private readonly sign: RequestSigner | undefined,
    private readonly logger: Logger | undefined,
  ) {
    this.replicas = urls.map((url) => new Replica(subgraph, url, settings, (replica) => this.probe(replica, 2000), logger));
    this.budget = new RetryBudget(settings.retryBudgetPercent);
  }

  /**
   * Sends `call`, retrying as the settings allow, and resolves with any HTTP
   * answer (a 4xx or 500 included: what it means is the caller's business).
   * Rejects only with a public `GraphQLError`: `SUBGRAPH_UNAVAILABLE` or
   * `SUBGRAPH_TIMEOUT`, with `extensions.serviceName`.
   */
  request(call: SubgraphCall): Promise<SubgraphReply> {
    if (!(call.safe && this.settings.dedup)) return this.send(call);
    const key = dedupKey(call);
    const now = performance.now();
    const shared = this.inFlight.get(key);
    // Only a request that left moments ago is joined: one stuck on a hanging replica must not hold every
    // identical request after it until the timeout, when a healthy replica would answer them.
    if (shared && now - shared.sentAt <= DEDUP_JOIN_MS) return shared.reply;
    const reply = this.send(call).finally(() => {
      if (this.inFlight.get(key)?.reply === reply) this.inFlight.delete(key);
    });
    this.inFlight.set(key, { reply, sentAt: now });
    return reply;
  }

  get options(): Readonly<SubgraphTransportSettings> {
    return this.settings;
  }

  async health(timeoutMs: number): Promise<SubgraphHealth> {
    const replicas = await Promise.all(
      this.replicas.map(async (replica) => {
        const answers = await this.probe(replica, timeoutMs).then(
          () => true,
          () => false,
        );
        return { url: replica.url, ...replica.status, answers };
      }),
    );
    return { state: replicas.some((replica) => replica.answers) ? 'up' : 'down', replicas };
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map((replica) => replica.close()));
  }

  private async send(call: SubgraphCall): Promise<SubgraphReply> {
    if (this.isClosed()) throw this.unavailable('the gateway is shutting down');
    const started = performance.now();
    const { timeoutMs, retries, retryBackoffMs } = this.settings;
    // Whichever comes first: this request's own timeout, or the operation's deadline.
    const requestEnd = started + timeoutMs;
    const end = call.deadline !== undefined ? Math.min(requestEnd, call.deadline) : requestEnd;
    const timedOut = () => this.timedOut(call.deadline !== undefined && call.deadline < requestEnd);
    this.budget.recordRequest();
    const tried = new Set<Replica>();
    let lastFailure: ReplicaFailure | undefined;
    let retrySame = false;
    for (let attempt = 0; ; attempt += 1) {
      const replica = this.pick(tried, retrySame);
      if (!replica) {
        if (lastFailure) throw this.unavailable(lastFailure.reason);
        throw this.unavailable('every instance of it is failing and taken out of rotation (circuit breaker open)');
      }
      const remaining = end - performance.now();
      if (remaining <= 0) throw timedOut();
      try {
        return await replica.run(() => this.exchange(replica, call, remaining));
      } catch (error) {
        if (error instanceof BrokenCircuitError) {
          // Its breaker opened since it was picked: nothing was sent; pick another.
          tried.add(replica);
          attempt -= 1;
          continue;
        }
        if (!(error instanceof ReplicaFailure)) throw error;
        lastFailure = error;
        this.logger?.warn(
          { subgraph: this.subgraph, replica: replica.url, err: error.cause, failure: error.kind, attempt: attempt + 1 },
          'subgraph request failed',
        );
        if (error.kind === 'timeout') throw timedOut();
        if (error.kind === 'too-large') throw this.unavailable(error.reason);
        tried.add(replica);
        // A request that never arrived may go elsewhere whatever it is; one that may have arrived only when it is safe to repeat.
        const mayRetry = !error.sent || call.safe;
        // A refused connection is not worth trying again on the same replica; a dropped one (a closing keep-alive socket) is.
        retrySame = error.kind !== 'refused';
        if (!mayRetry || attempt >= retries || !this.budget.tryRetry()) throw this.unavailable(error.reason);
        // Full jitter: a random wait up to the back-off, doubling per retry, never past the deadline.
        const backoff = Math.random() * retryBackoffMs * 2 ** Math.min(attempt, 3);
        if (performance.now() + backoff >= end) throw timedOut();
        await new Promise((resolve) => setTimeout(resolve, backoff));
      }
    }
  }

  /** Power of two choices: of two available replicas not yet tried, the one with fewer requests in flight; with `orTried`, a tried one when no other is left. */
  private pick(tried: ReadonlySet<Replica>, orTried: boolean): Replica | undefined {
    let candidates = this.replicas.filter((replica) => replica.available && !tried.has(replica));
    if (!candidates.length && orTried) candidates = this.replicas.filter((replica) => replica.available);
    if (candidates.length <= 1) return candidates[0];
    const first = Math.floor(Math.random() * candidates.length);
    let second = Math.floor(Math.random() * (candidates.length - 1));
    if (second >= first) second += 1;
    const a = candidates[first]!;
    const b = candidates[second]!;
    return b.inFlight < a.inFlight ? b : a;
  }

  /** One attempt on one replica: signed afresh (a signature's nonce is accepted once), read to the end within `timeoutMs`. */
  private async exchange(replica: Replica, call: SubgraphCall, timeoutMs: number): Promise<SubgraphReply> {
    const url = replica.origin + replica.path;
    const signature = this.sign?.({ method: 'POST', url, body: call.body, identity: call.headers[IDENTITY_HEADER] }) ?? {};
    const deadline = AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs)));
    let response: Dispatcher.ResponseData;
    try {
      response = await replica.pool.request({
        path: replica.path,
        method: 'POST',
        headers: { ...call.headers, 'content-type': 'application/json', ...signature },
        body: call.body,
        signal: deadline,
      });
    } catch (error) {
      if (deadline.aborted) throw new ReplicaFailure('timeout', 'it did not answer in time', error);
      if (isRefused(error)) throw new ReplicaFailure('refused', 'it could not be reached', error);
      if (isDropped(error)) throw new ReplicaFailure('dropped', 'it dropped the connection', error);
      throw new ReplicaFailure('broken', 'it could not be reached', error);
    }
    let body: Buffer;
    try {
      body = await readBounded(response, this.settings.maxResponseBytes);
    } catch (error) {
      response.body.destroy();
      if (error instanceof ReplicaFailure) throw error;
      if (deadline.aborted) throw new ReplicaFailure('timeout', 'it did not answer in time', error);
      throw new ReplicaFailure('broken', 'its answer broke off', error);
    }
    if (RETRYABLE_STATUS.has(response.statusCode)) throw new ReplicaFailure('status', `it answered HTTP ${response.statusCode}`, body.toString('utf8', 0, 200));
    return { status: response.statusCode, headers: response.headers, body };
  }

  /** `{ __typename }` on one replica, signed; rejects with a `ReplicaFailure` unless it answers 200. */
  private async probe(replica: Replica, timeoutMs: number): Promise<void> {
    const reply = await this.exchange(replica, { body: SubgraphClient.PROBE_BODY, headers: {}, safe: true }, timeoutMs);
    if (reply.status !== 200) throw new ReplicaFailure('status', `it answered HTTP ${reply.status}`, undefined);
  }

  // The messages are public (production keeps them): they name neither the subgraph's host nor a socket error.
  private timedOut(byOperationDeadline: boolean): GraphQLError {
    const limit = byOperationDeadline
      ? `the operation's deadline (OPERATION_TIMEOUT_MS, ${this.settings.operationTimeoutMs} ms)`
      : `${this.settings.timeoutMs} ms (SUBGRAPH_TIMEOUT_MS)`;
    return new GraphQLError(`The "${this.subgraph}" service did not answer within ${limit}; the fields it serves are null.`, {
      extensions: { code: ErrorCode.SUBGRAPH_TIMEOUT, serviceName: this.subgraph },
    });
  }

  private unavailable(reason: string): GraphQLError {
    return subgraphUnavailable(this.subgraph, reason);
  }
}

/** The public `SUBGRAPH_UNAVAILABLE` error of a subgraph: its name and why, never its host or a socket error. */
export function subgraphUnavailable(subgraph: string, reason: string): GraphQLError {
  return new GraphQLError(`The "${subgraph}" service is unavailable: ${reason}; the fields it serves are null.`, {
    extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, serviceName: subgraph },
  });
}

/** Requests that may share one answer: the same body and the same headers (the caller's signed identity among them), the request id aside. */
function dedupKey(call: SubgraphCall): string {
  const headers = Object.entries(call.headers)
    .filter(([name]) => name !== REQUEST_ID_HEADER)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${JSON.stringify(headers)}\n${call.body}`;
}

// Not `instanceof Error`: errors from Node's internals may come from another realm (jest's, for one).
function codeOf(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, cause } = error as { code?: unknown; cause?: { code?: unknown } };
  return code ?? cause?.code;
}

function isRefused(error: unknown): boolean {
  return REFUSED_CODES.has(codeOf(error));
}

function isDropped(error: unknown): boolean {
  return DROPPED_CODES.has(codeOf(error)) || (error as { message?: unknown } | undefined)?.message === 'other side closed';
}

/** The body, or a `too-large` failure as soon as it (or its declared length) exceeds `maxBytes`. */
async function readBounded(response: Dispatcher.ResponseData, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new ReplicaFailure('too-large', `its answer was larger than ${maxBytes} bytes (SUBGRAPH_MAX_RESPONSE_BYTES)`, undefined);
  const declared = Number(response.headers['content-length']);
  if (declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}
