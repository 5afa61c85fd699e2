import type { DeliveredEvent, DomainEvent } from './event';

/** Which events a subscription receives and where it starts. */
export interface SubscribeOptions {
  /**
   * Durable consumer name. A consumer that subscribes again resumes after the
   * last event it acknowledged. On JetStream, instances of a subgraph that
   * subscribe with one name share its events; the in-memory bus allows one
   * subscription per name at a time.
   */
  consumer: string;
  /** The domain (stream) to read. */
  domain: string;
  /** Only these event types; all types when absent. */
  types?: readonly string[];
  /** Start at this stream position (inclusive), discarding the consumer's stored position. */
  from?: { sequence: number };
}

/** What a live watcher sees and where it starts. */
export interface WatchOptions {
  /** The domain (stream) to watch. */
  domain: string;
  /** Only these event types; all types when absent. */
  types?: readonly string[];
  /**
   * Replay from just after this stream position (a `sequence` seen before),
   * then continue live; when absent, only events published from now on.
   */
  after?: number;
}

/** Handles one event. Resolving acknowledges it; throwing has it delivered again, before any later event. */
export type EventHandler = (event: DeliveredEvent) => Promise<void>;

export interface EventSubscription {
  /** Stops delivery; an event being handled finishes first. */
  stop(): Promise<void>;
}

/**
 * Carries domain events between subgraphs. Delivery is at least once and in
 * stream order for each consumer (so in order for each aggregate); consumers
 * must be idempotent (see `consumer.ts`, which records handled event ids).
 */
export interface EventBus {
  /**
   * True when streams outlive the process (JetStream). False for the
   * in-process bus, whose streams start empty at each start: relays then
   * publish their whole log again at start, so a stream always holds its
   * domain's history (consumers' inboxes drop what they handled before).
   */
  readonly durable: boolean;
  /** Stores the event durably in its domain's stream; publishing an event id twice stores it once. */
  publish(event: DomainEvent): Promise<void>;
  subscribe(options: SubscribeOptions, handler: EventHandler): Promise<EventSubscription>;
  /**
   * Follows a stream without a durable position or acknowledgements, in
   * order, for GraphQL subscriptions: every instance sees every event. The
   * handler's failures are its own; they neither stop nor repeat delivery.
   */
  watch(options: WatchOptions, handler: (event: DeliveredEvent) => void | Promise<void>): Promise<EventSubscription>;
  /** The position of the last event in the domain's stream (its `sequence`), 0 when it is empty. */
  head(domain: string): Promise<number>;
  /** Stops every subscription and releases connections. */
  close(): Promise<void>;
}
