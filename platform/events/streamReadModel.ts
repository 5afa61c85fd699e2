import type { Database, Transaction } from '../storage/database';
import type { ConsumerDefinition } from './consumer';
import type { DeliveredEvent } from './event';
import type { EventBus } from './eventBus';

/** A read model a subgraph keeps from another domain's stream (a consumer), which can be rebuilt from that stream. */
export interface StreamReadModel extends ConsumerDefinition {
  /** Empties the read tables, before a rebuild. */
  reset(tx: Transaction): Promise<void>;
}

/**
 * Rebuilds a consumer-fed read model from its producer's stream on the bus:
 * reads the stream from its start up to its current head (every instance's
 * bus holds the whole history: JetStream keeps it, and relays republish
 * their log into the in-process bus at each start), then in ONE transaction
 * empties the tables, applies each event with the consumer's own `handle`
 * and records it in the consumer's inbox. Readers see the old rows until it
 * commits. The live consumer goes on meanwhile; its effects are idempotent
 * (an event it applies again after the rebuild changes nothing), so nothing
 * is lost or doubled. Returns the number of events replayed.
 */
export async function rebuildFromStream(
  deps: { db: Database; bus: EventBus; schema: string },
  model: StreamReadModel,
  /** How long reading the stream to its head may take. Default 60 000 ms. */
  timeoutMs = 60_000,
): Promise<number> {
  const head = await deps.bus.head(model.domain);
  const types = new Set(model.types);
  const events: DeliveredEvent[] = [];
  if (head > 0) {
    // Every type is watched (and filtered here), so the head's own event marks the end whatever its type.
    let reachedHead: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => (reachedHead = resolve));
    const watch = await deps.bus.watch({ domain: model.domain, after: 0 }, (event) => {
      if (event.sequence > head) return;
      if (types.has(event.type)) events.push(event);
      if (event.sequence === head) reachedHead();
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Reading the ${model.domain} stream to its head (${head}) took over ${timeoutMs} ms; nothing was changed.`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([reached, timedOut]);
    } finally {
      clearTimeout(timer);
      await watch.stop();
    }
  }
  await deps.db.transaction(async (tx) => {
    await model.reset(tx);
    for (const event of events) {
      await tx.query(`insert into ${deps.schema}.inbox (consumer, event_id, event_type) values ($1, $2, $3) on conflict do nothing`, [
        model.name,
        event.eventId,
        event.type,
      ]);
      await model.handle(event, tx);
    }
  });
  return events.length;
}
