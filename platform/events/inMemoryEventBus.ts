import type { DeliveredEvent, DomainEvent } from './event';
import type { EventBus, EventHandler, EventSubscription, SubscribeOptions, WatchOptions } from './eventBus';

export interface InMemoryEventBusOptions {
  /** Wait before delivering an event again after its handler threw. Default 200 ms. */
  retryDelayMs?: number;
}

/**
 * The embedded event bus: one in-process log per domain and a stored
 * position per durable consumer. It lives as long as the process; what must
 * survive a restart survives in each subgraph's outbox, which the relay
 * publishes again, whole, at each start (`durable` is false).
 */
export class InMemoryEventBus implements EventBus {
  readonly durable = false;
  private readonly streams = new Map<string, DeliveredEvent[]>();
  private readonly publishedIds = new Set<string>();
  /** Next stream position (0-based index) each durable consumer will read. */
  private readonly positions = new Map<string, number>();
  private readonly waiting = new Set<() => void>();
  private readonly subscriptions = new Set<EventSubscription>();
  private readonly active = new Set<string>();
  private readonly retryDelayMs: number;
  private closed = false;

  constructor(options: InMemoryEventBusOptions = {}) {
    this.retryDelayMs = options.retryDelayMs ?? 200;
  }

  async publish(event: DomainEvent): Promise<void> {
    if (this.closed) throw new Error('The event bus is closed.');
    // Same id, same event: a relay that publishes again after a crash stores nothing new.
    if (this.publishedIds.has(event.eventId)) return;
    this.publishedIds.add(event.eventId);
    const stream = this.streamOf(event.domain);
    // A structured copy, so a consumer never shares objects with the producer.
    stream.push({ ...structuredClone(event), sequence: stream.length + 1 });
    for (const wake of this.waiting) wake();
  }

  async head(domain: string): Promise<number> {
    return this.streamOf(domain).length;
  }

  async subscribe(options: SubscribeOptions, handler: EventHandler): Promise<EventSubscription> {
    if (this.closed) throw new Error('The event bus is closed.');
    const key = `${options.domain}\u0000${options.consumer}`;
    if (this.active.has(key)) throw new Error(`Consumer "${options.consumer}" of ${options.domain} already has an active subscription.`);
    this.active.add(key);
    if (options.from) this.positions.set(key, Math.max(0, options.from.sequence - 1));
    const types = options.types ? new Set(options.types) : null;
    return this.follow(
      options.domain,
      { next: () => this.positions.get(key) ?? 0, advance: (position) => this.positions.set(key, position) },
      async (event) => {
        if (types && !types.has(event.type)) return true;
        try {
          await handler(structuredClone(event));
          return true;
        } catch {
          // Not acknowledged: the same event again after a pause, nothing after it first.
          return false;
        }
      },
      () => this.active.delete(key),
    );
  }

  async watch(options: WatchOptions, handler: (event: DeliveredEvent) => void | Promise<void>): Promise<EventSubscription> {
    if (this.closed) throw new Error('The event bus is closed.');
    const types = options.types ? new Set(options.types) : null;
    // Positions are 0-based indexes; sequences are 1-based, so `after` is the index to read next.
    let position = options.after ?? this.streamOf(options.domain).length;
    return this.follow(options.domain, { next: () => position, advance: (next) => (position = next) }, async (event) => {
      if (types && !types.has(event.type)) return true;
      try {
        await handler(structuredClone(event));
      } catch {
        // A watcher's failure is its own: the stream goes on.
      }
      return true;
    });
  }

  /**
   * Reads `domain` from `cursor.next()` on, waiting for new events at the end;
   * `deliver` returns false to have the same event again after a pause. Both
   * durable consumers and watchers run on it; they differ in where the
   * position lives and in what a failure means.
   */
  private follow(
    domain: string,
    cursor: { next(): number; advance(position: number): void },
    deliver: (event: DeliveredEvent) => Promise<boolean>,
    onStop?: () => void,
  ): EventSubscription {
    let running = true;
    let wake: () => void = () => undefined;
    const loop = (async () => {
      while (running) {
        const position = cursor.next();
        const event = this.streamOf(domain)[position];
        if (!event) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            this.waiting.add(resolve);
          });
          this.waiting.delete(wake);
          continue;
        }
        if (await deliver(event)) cursor.advance(position + 1);
        else await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
      }
    })();
    const subscription: EventSubscription = {
      stop: async () => {
        running = false;
        wake();
        await loop;
        this.subscriptions.delete(subscription);
        onStop?.();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
  }

  private streamOf(domain: string): DeliveredEvent[] {
    let stream = this.streams.get(domain);
    if (!stream) {
      stream = [];
      this.streams.set(domain, stream);
    }
    return stream;
  }
}
