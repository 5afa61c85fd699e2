import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';

/** What a test subscriber has received so far, and the means to wait for more. */
export interface TestSubscription {
  /** Every result received, in order. */
  results: any[];
  /** Resolves when at least `count` results have arrived (rejects after `timeoutMs`, default 15 s). */
  waitFor(count: number, timeoutMs?: number): Promise<any[]>;
  /**
   * Resolves when a result for which `found` holds has arrived (rejects after
   * `timeoutMs`, default 15 s): wait for a marker, then assert on what came before it.
   */
  waitUntil(found: (result: any) => boolean, timeoutMs?: number): Promise<any[]>;
  /** Resolves when the server completed or errored the subscription; the error, if any. */
  ended: Promise<unknown>;
  /** Unsubscribes (and, for graphql-ws, closes the connection). */
  close(): Promise<void>;
}

/**
 * Results as they arrive, and promises for when at least `count` have or one
 * a predicate picks has: shared by every test client here and in the e2e suites.
 */
export function resultCollector() {
  const results: any[] = [];
  const waiters: Array<() => void> = [];
  /** Resolves once `done()` holds, checked on every result; rejects with `failure()` after `timeoutMs`. */
  const until = (done: () => boolean, failure: () => string, timeoutMs: number): Promise<any[]> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${failure()}: ${JSON.stringify(results)}`)), timeoutMs);
      const check = () => {
        if (done()) {
          clearTimeout(timer);
          resolve(results);
        } else waiters.push(check);
      };
      check();
    });
  return {
    results,
    push(result: unknown) {
      results.push(result);
      for (const wake of waiters.splice(0)) wake();
    },
    waitFor: (count: number, timeoutMs = 15_000): Promise<any[]> =>
      until(
        () => results.length >= count,
        () => `Got ${results.length} of ${count} results`,
        timeoutMs,
      ),
    waitUntil: (found: (result: any) => boolean, timeoutMs = 15_000): Promise<any[]> =>
      until(
        () => results.some(found),
        () => `None of ${results.length} results is the one awaited`,
        timeoutMs,
      ),
  };
}

/** A real graphql-ws client (`graphql-transport-ws`) on the gateway, with the token in `connection_init`. */
export function wsClient(httpUrl: string, token?: string): Client {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

/** Subscribes over graphql-ws; each `next` payload is collected. */
export function wsSubscribe(client: Client, query: string, variables?: Record<string, unknown>): TestSubscription {
  const c = resultCollector();
  let settle: (error?: unknown) => void = () => undefined;
  const ended = new Promise<unknown>((resolve) => (settle = resolve));
  const unsubscribe = client.subscribe({ query, variables }, { next: (value) => c.push(value), error: (error) => settle(error), complete: () => settle() });
  return {
    results: c.results,
    waitFor: c.waitFor,
    waitUntil: c.waitUntil,
    ended,
    close: async () => {
      unsubscribe();
      await client.dispose();
    },
  };
}

/**
 * Subscribes with Apollo's multipart HTTP protocol and parses the parts:
 * `{"payload": …}` results are collected (heartbeats `{}` skipped), a part
 * with top-level `errors` ends the subscription with them.
 */
export function multipartSubscribe(
  httpUrl: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
): TestSubscription & { heartbeats: () => number; status: Promise<number> } {
  const c = resultCollector();
  const abort = new AbortController();
  let heartbeats = 0;
  let settle: (error?: unknown) => void = () => undefined;
  const ended = new Promise<unknown>((resolve) => (settle = resolve));
  let setStatus: (status: number) => void = () => undefined;
  const status = new Promise<number>((resolve) => (setStatus = resolve));
  void (async () => {
    try {
      const response = await fetch(httpUrl, {
        method: 'POST',
        signal: abort.signal,
        headers: {
          'content-type': 'application/json',
          accept: 'multipart/mixed;subscriptionSpec=1.0, application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      setStatus(response.status);
      if (!response.headers.get('content-type')?.startsWith('multipart/mixed')) {
        const body = await response.json();
        settle(body);
        return;
      }
      let buffer = '';
      const decoder = new TextDecoder();
      // A part is complete once the delimiter after it has arrived: split on the delimiter and keep the tail.
      reading: for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        const segments = buffer.split('\r\n--graphql');
        buffer = segments.pop()!;
        for (const segment of segments) {
          const body = segment.slice(segment.indexOf('\r\n\r\n') + 4).trim();
          if (!segment.includes('\r\n\r\n') || !body) continue;
          const parsed = JSON.parse(body);
          if (parsed.errors) settle(parsed.errors);
          else if (parsed.payload) c.push(parsed.payload);
          else heartbeats += 1;
        }
        if (buffer.startsWith('--')) break reading;
      }
      settle();
    } catch (error) {
      if ((error as Error).name !== 'AbortError') settle(error);
      else settle();
    }
  })();
  return {
    results: c.results,
    waitFor: c.waitFor,
    waitUntil: c.waitUntil,
    ended,
    status,
    heartbeats: () => heartbeats,
    close: async () => abort.abort(),
  };
}
