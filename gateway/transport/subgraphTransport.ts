import { STATUS_CODES } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { GraphQLError } from 'graphql';
import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { DEFAULT_SUBGRAPH_TRANSPORT, type SubgraphTransportSettings } from './subgraphTransportSettings';

/** The `fetcher` of `@apollo/gateway`'s data sources, the extension point the transport plugs into. */
export type SubgraphFetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherRequestInit = NonNullable<Parameters<SubgraphFetcher>[1]>;
type FetcherResponse = Awaited<ReturnType<SubgraphFetcher>>;

/** Gives a request its per-attempt headers (the gateway signature, whose nonce must not be sent twice). */
export type PrepareAttempt = (url: string, init: FetcherRequestInit) => FetcherRequestInit;

/** What a subgraph fetcher is built from. */
export interface SubgraphFetcherOptions {
  /** The subgraph's name, for logs (never for clients). */
  subgraph: string;
  /** Called before each attempt, the retry included. Default: the request as given. */
  prepare?: PrepareAttempt;
}

// The errors of a connection that died under a request before any byte of its response:
// a reused keep-alive socket the subgraph closed while the request was on its way.
const DEAD_SOCKET_CODES: ReadonlySet<unknown> = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/**
 * True when a subgraph request may be sent twice: a GET, or a POST whose
 * operation is a query (`_entities` fetches are queries). Apollo's data
 * source writes `{"query":"…` first and the planner prints reads as
 * `query …` or `{ … }`, so the leading keyword is enough; anything else (a
 * mutation, a body without its query) is not repeated.
 */
export function isSafeToRepeat(init: FetcherRequestInit): boolean {
  if ((init.method ?? 'POST').toUpperCase() === 'GET') return true;
  const body = typeof init.body === 'string' ? init.body : (init.body?.toString('utf8', 0, 64) ?? '');
  return /^\{"query":"(?:\s|\\[nrt])*(?:query\b|\{)/.test(body);
}

/**
 * The one HTTP client of the gateway's subgraph requests (queries,
 * mutations and subscriptions' entity fetches alike): an undici `Pool` with
 * keep-alive per subgraph origin, at most `maxConnections` sockets each, a
 * deadline per request (`SUBGRAPH_TIMEOUT`), a bound on response bodies, and
 * one retry of a safe request whose socket turns out dead. Idle sockets are
 * closed after `poolIdleMs` (or sooner, when the subgraph's `Keep-Alive`
 * header says so), which must stay below the subgraphs' keep-alive timeout;
 * the retry covers the race that remains.
 */
export class SubgraphTransport {
  private readonly settings: SubgraphTransportSettings;
  private readonly pools = new Map<string, Pool>();
  private closed = false;

  constructor(
    settings: Partial<SubgraphTransportSettings> = {},
    /** Where failures are logged with their cause (host, socket error), which clients never see. Default none. */
    private readonly logger?: Logger,
  ) {
    this.settings = { ...DEFAULT_SUBGRAPH_TRANSPORT, ...settings };
  }

  /** A `fetcher` for one subgraph's data source. */
  fetcher(options: SubgraphFetcherOptions): SubgraphFetcher {
    return (url, init = {}) => this.send(options, url, init);
  }

  /** Closes every pool once the requests in flight are answered. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      const { poolIdleMs, maxConnections, timeoutMs } = this.settings;
      pool = new Pool(origin, {
        connections: maxConnections,
        // Idle sockets close after poolIdleMs, even when the subgraph's Keep-Alive header allows longer.
        keepAliveTimeout: poolIdleMs,
        keepAliveMaxTimeout: poolIdleMs,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        connect: { timeout: timeoutMs },
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  private async send(options: SubgraphFetcherOptions, url: string, given: FetcherRequestInit): Promise<FetcherResponse> {
    if (this.closed) throw unavailable('the gateway is shutting down');
    const target = new URL(url);
    const pool = this.pool(target.origin);
    const retryable = isSafeToRepeat(given);
    const { timeoutMs } = this.settings;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    try {
      for (let attempt = 1; ; attempt += 1) {
        const init = options.prepare ? options.prepare(url, given) : given;
        let response: Dispatcher.ResponseData;
        try {
          response = await pool.request({
            origin: target.origin,
            path: target.pathname + target.search,
            method: init.method ?? 'POST',
            headers: init.headers,
            body: init.body,
            signal: deadline.signal,
          });
        } catch (error) {
          if (deadline.signal.aborted) throw this.failed(options, url, error, timedOut(timeoutMs));
          // No byte of a response came: a safe request is sent once more, on another socket.
          if (retryable && attempt === 1 && isDeadSocket(error)) {
            this.logger?.debug({ subgraph: options.subgraph, err: error }, 'subgraph socket was closed under a request; retrying once');
            continue;
          }
          throw this.failed(options, url, error, unavailable('it could not be reached'));
        }
        try {
          const body = await readBounded(response, this.settings.maxResponseBytes);
          return bufferedResponse(url, response.statusCode, response.headers, body);
        } catch (error) {
          response.body.destroy();
          if (deadline.signal.aborted) throw this.failed(options, url, error, timedOut(timeoutMs));
          if (error instanceof ResponseTooLarge) throw this.failed(options, url, error, unavailable(error.message));
          throw this.failed(options, url, error, unavailable('its answer broke off'));
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private failed(options: SubgraphFetcherOptions, url: string, cause: unknown, error: GraphQLError): GraphQLError {
    this.logger?.warn({ subgraph: options.subgraph, url, err: cause, code: error.extensions.code }, 'subgraph request failed');
    return error;
  }
}

function isDeadSocket(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return DEAD_SOCKET_CODES.has(code) || error.message === 'other side closed';
}

// The messages are public (production keeps them): they name neither the subgraph nor its host.
function timedOut(timeoutMs: number): GraphQLError {
  return new GraphQLError(`A service this operation needs did not answer within ${timeoutMs} ms (SUBGRAPH_TIMEOUT_MS); the fields it serves are null.`, {
    extensions: { code: ErrorCode.SUBGRAPH_TIMEOUT },
  });
}

function unavailable(reason: string): GraphQLError {
  return new GraphQLError(`A service this operation needs is unavailable: ${reason}; the fields it serves are null.`, {
    extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE },
  });
}

class ResponseTooLarge extends Error {}

/** The body, or `ResponseTooLarge` as soon as it (or its declared length) exceeds `maxBytes`. */
async function readBounded(response: Dispatcher.ResponseData, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new ResponseTooLarge(`its answer was larger than ${maxBytes} bytes (SUBGRAPH_MAX_RESPONSE_BYTES)`);
  const declared = Number(response.headers['content-length']);
  if (declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** A read response in the shape `RemoteGraphQLDataSource` reads (`ok`, `status`, `headers.get`, `json()`, `text()`). */
function bufferedResponse(url: string, status: number, raw: Dispatcher.ResponseData['headers'], body: Buffer): FetcherResponse {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const each of value) headers.append(name, each);
    else if (value !== undefined) headers.append(name, value);
  }
  const text = () => body.toString('utf8');
  const response: FetcherResponse = {
    url,
    status,
    ok: status >= 200 && status < 300,
    statusText: STATUS_CODES[status] ?? '',
    redirected: false,
    bodyUsed: false,
    headers,
    text: () => Promise.resolve(text()),
    json: () => Promise.resolve(JSON.parse(text()) as unknown),
    arrayBuffer: () => Promise.resolve(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer),
    clone: () => bufferedResponse(url, status, raw, body),
  };
  return response;
}
