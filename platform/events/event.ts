/**
 * What every domain event carries beside its payload. Events are facts in the
 * past tense (`OrderPlaced`); their `type` discriminates the union each domain
 * declares in `schema/events/<producer>.ts` (what crosses subgraphs) or its
 * `subgraphs/<name>/domain/<aggregate>.ts`.
 */
export interface EventMetadata {
  /** Unique id (UUID); consumers deduplicate on it. */
  eventId: string;
  /** The producing domain (subgraph name); also the event's stream. */
  domain: string;
  /** The entity the event is about, e.g. the order id. */
  aggregateId: string;
  /** The aggregate's version after this event: 1 for its first event, then +1 each. */
  aggregateVersion: number;
  /** When it happened (ISO 8601, from the producer's clock). */
  occurredAt: string;
  /** The id of the GraphQL request that started the chain of events. */
  correlationId: string;
  /** The id of the event that caused this one, or null when a command did. */
  causationId: string | null;
}

/** A domain event: metadata plus a `type`-tagged payload in `data`. */
export type DomainEvent<E extends { type: string; data: unknown } = { type: string; data: unknown }> = EventMetadata & E;

/** An event as the bus delivers it: with its position in the domain's stream. */
export type DeliveredEvent<E extends { type: string; data: unknown } = { type: string; data: unknown }> = DomainEvent<E> & {
  /** 1-based position in the stream; pass it as `from.sequence` to replay from here. */
  sequence: number;
};

/** Why events are being written: carried into their correlation and causation ids. */
export interface EventCause {
  /** The GraphQL request id (gateway `x-request-id`), or the correlation id of the causing event. */
  correlationId: string;
  /** The causing event's id; null for a command. */
  causationId: string | null;
}

/** The cause of events a consumer emits in reaction to `event`. */
export function causedBy(event: EventMetadata): EventCause {
  return { correlationId: event.correlationId, causationId: event.eventId };
}
