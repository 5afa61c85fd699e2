import { Pool } from 'undici';
import type { BodyVerdict } from './reference';

/** What one stretch of closed-loop load measured. */
export interface LoadResult {
  /** Responses received (correct or not). */
  requests: number;
  /** From the first request until the last response, in seconds. */
  seconds: number;
  /** Each response's latency, in ms. */
  latenciesMs: number[];
  /** Responses that were not the reference answer, plus requests that failed outright. */
  failures: number;
  /** What was wrong with the first of them. */
  firstFailure?: string;
}

export interface LoadOptions {
  /** The gateway's GraphQL endpoint. */
  url: string;
  /** The JSON request body every request sends. */
  body: string;
  /** Connections, each with one request in flight at a time (closed loop). */
  connections: number;
  durationMs: number;
  check: (status: number, text: string) => BodyVerdict;
}

/**
 * Closed-loop load: `connections` keep-alive connections, each sending the
 * next request as soon as the previous response has been read in full and
 * checked, until `durationMs` have passed; requests in flight then are
 * awaited and counted. Throughput is what the gateway sustains at that
 * concurrency, and latency includes any queueing inside it.
 */
export async function closedLoop(options: LoadOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  const pool = new Pool(target.origin, { connections: options.connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const latenciesMs: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  const fail = (reason: string) => {
    failures += 1;
    firstFailure ??= reason;
  };
  const started = performance.now();
  const deadline = started + options.durationMs;
  const loop = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        const response = await pool.request({
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: options.body,
        });
        const text = await response.body.text();
        latenciesMs.push(performance.now() - sent);
        const verdict = options.check(response.statusCode, text);
        if (!verdict.ok) fail(verdict.reason);
      } catch (error) {
        latenciesMs.push(performance.now() - sent);
        fail(`request failed: ${(error as Error).message}`);
        // A gateway that refuses connections would otherwise be hammered in a tight loop.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, loop));
  } finally {
    await pool.close();
  }
  return { requests: latenciesMs.length, seconds: (performance.now() - started) / 1000, latenciesMs, failures, firstFailure };
}

/** The `p`-th percentile (0–100) of `sorted` (ascending), nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
