import { Pool } from 'undici';
import { BrokenCircuitError, circuitBreaker, CircuitState, ConsecutiveBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import type { Logger } from '../../platform/logger';
import type { SubgraphTransportSettings } from './subgraphTransportSettings';

/**
 * Why one attempt on one replica failed, as the transport decides what to
 * do next: `sent` is false only when the request provably never reached the
 * subgraph (the connection was refused), so even a mutation may go to
 * another replica; `countsAgainstReplica` feeds the circuit breaker.
 */
export class ReplicaFailure extends Error {
  constructor(
    readonly kind: 'refused' | 'dropped' | 'broken' | 'status' | 'timeout' | 'too-large',
    /** Public: names neither host nor socket error. */
    readonly reason: string,
    override readonly cause: unknown,
  ) {
    super(reason);
    this.name = 'ReplicaFailure';
  }

  /** False when the subgraph cannot have received the request. */
  get sent(): boolean {
    return this.kind !== 'refused';
  }

  /** The replica, not the request, is at fault: the breaker counts it. */
  get countsAgainstReplica(): boolean {
    return this.kind !== 'too-large';
  }
}

/** A replica as `/ready` reports it. */
export interface ReplicaStatus {
  /** `up` (in rotation), `out` (its breaker is open: no requests until a probe succeeds) or `probing` (the probe is on its way). */
  state: 'up' | 'out' | 'probing';
  /** Requests sent to it that have not been answered yet. */
  inFlight: number;
}

/**
 * One instance of a subgraph: a keep-alive undici `Pool` to its origin,
 * the count of requests in flight (for balancing), and a circuit breaker
 * (cockatiel) that opens after `breakerFailures` consecutive failures. While
 * open the replica gets no requests; after `breakerOpenMs` a `{ __typename }`
 * probe runs as the breaker's half-open trial, and its success puts the
 * replica back (its failure keeps it out for another period).
 */
export class Replica {
  readonly origin: string;
  /** Path and query of the GraphQL endpoint. */
  readonly path: string;
  readonly pool: Pool;
  inFlight = 0;
  private readonly breaker: CircuitBreakerPolicy;
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly subgraph: string,
    readonly url: string,
    settings: SubgraphTransportSettings,
    /** Sends one `{ __typename }` to this replica; rejects with a `ReplicaFailure` when it does not answer 200. */
    private readonly probe: (replica: Replica) => Promise<void>,
    private readonly logger?: Logger,
  ) {
    const target = new URL(url);
    this.origin = target.origin;
    this.path = target.pathname + target.search;
    const { poolIdleMs, maxConnections, timeoutMs, breakerFailures, breakerOpenMs } = settings;
    this.pool = new Pool(this.origin, {
      connections: maxConnections,
      // Idle sockets close after poolIdleMs, even when the subgraph's Keep-Alive header allows longer.
      keepAliveTimeout: poolIdleMs,
      keepAliveMaxTimeout: poolIdleMs,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: { timeout: timeoutMs },
    });
    this.breaker = circuitBreaker(
      handleWhen((error) => error instanceof ReplicaFailure && error.countsAgainstReplica),
      { halfOpenAfter: breakerOpenMs, breaker: new ConsecutiveBreaker(breakerFailures) },
    );
    this.breaker.onBreak(() => {
      this.logger?.warn({ subgraph, replica: url, failures: breakerFailures }, 'subgraph replica taken out of rotation: its circuit breaker opened');
      this.scheduleProbe(breakerOpenMs);
    });
    this.breaker.onReset(() => this.logger?.info({ subgraph, replica: url }, 'subgraph replica back in rotation'));
  }

  /** True while the breaker is closed: the replica takes requests. */
  get available(): boolean {
    return this.breaker.state === CircuitState.Closed;
  }

  get status(): ReplicaStatus {
    const state = this.breaker.state;
    return { state: state === CircuitState.Closed ? 'up' : state === CircuitState.HalfOpen ? 'probing' : 'out', inFlight: this.inFlight };
  }

  /** Runs one attempt through the breaker; a `BrokenCircuitError` means it was not sent. */
  async run<T>(attempt: () => Promise<T>): Promise<T> {
    this.inFlight += 1;
    try {
      return await this.breaker.execute(attempt);
    } finally {
      this.inFlight -= 1;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.probeTimer);
    await this.pool.close();
  }

  private scheduleProbe(afterMs: number): void {
    clearTimeout(this.probeTimer);
    if (this.closed) return;
    // A little after the open period, so the breaker lets the probe through as its half-open trial.
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      // A failed probe re-opens the breaker, whose onBreak schedules the next one.
      this.breaker
        .execute(() => this.probe(this))
        .catch((error: unknown) => {
          // Still inside the open period (timers are not exact): try again shortly.
          if (error instanceof BrokenCircuitError) return this.scheduleProbe(50);
          this.logger?.debug({ subgraph: this.subgraph, replica: this.url, err: error }, 'subgraph replica probe failed; it stays out');
        });
    }, afterMs + 20);
    this.probeTimer.unref();
  }
}
