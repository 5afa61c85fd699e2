import type { Database, Transaction } from '../storage/database';
import type { Logger } from '../logger';
import type { DeliveredEvent } from './event';
import type { EventBus, EventSubscription } from './eventBus';

/** A consumer of another domain's events, declared by the subgraph that owns its effect. */
export interface ConsumerDefinition {
  /** Durable name, unique within the subgraph, e.g. `inventory.reservations`. */
  name: string;
  /** The domain whose events it reads. */
  domain: string;
  /** The event types it handles. */
  types: readonly string[];
  /**
   * Applies one event inside `tx`, which also records the event id in the
   * inbox: the effect and the record commit together, so a redelivered event
   * finds its id and changes nothing.
   */
  handle(event: DeliveredEvent, tx: Transaction): Promise<void>;
}

/**
 * Subscribes `definition` to the bus and runs each delivery in one
 * transaction with an inbox row keyed on (consumer, event id). Failures are
 * logged and rethrown, so the bus delivers the same event again.
 */
export function startConsumer(options: {
  bus: EventBus;
  db: Database;
  /** The consuming subgraph's schema, which holds the inbox. */
  schema: string;
  definition: ConsumerDefinition;
  logger: Logger;
}): Promise<EventSubscription> {
  const { db, schema, definition, logger } = options;
  return options.bus.subscribe({ consumer: definition.name, domain: definition.domain, types: definition.types }, async (event) => {
    try {
      await db.transaction(async (tx) => {
        const fresh = await tx.query(
          `insert into ${schema}.inbox (consumer, event_id, event_type) values ($1, $2, $3) on conflict do nothing returning event_id`,
          [definition.name, event.eventId, event.type],
        );
        // Seen before: its effect is already committed.
        if (!fresh.length) return;
        await definition.handle(event, tx);
      });
    } catch (error) {
      logger.error({ err: error, consumer: definition.name, eventId: event.eventId, type: event.type }, 'event handling failed; it will be delivered again');
      throw error;
    }
  });
}
