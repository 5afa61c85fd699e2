import type { Database, Transaction } from '../storage/database';
import type { Logger } from '../logger';
import type { LoggedEvent, Outbox } from './outbox';
import { startPollLoop } from './pollLoop';

/**
 * A read model kept from the subgraph's own event log. `apply` must be a
 * pure function of the events seen (no clock, no other tables it does not
 * own), so a rebuild from the log gives the same rows as the live run.
 */
export interface Projection {
  /** Unique within the subgraph, e.g. `ratingSummary`; the rebuild command takes it. */
  name: string;
  /** The event types it reads. */
  types: readonly string[];
  /** Applies one event to the read tables in `tx`. */
  apply(event: LoggedEvent, tx: Transaction): Promise<void>;
  /** Empties the read tables, before a rebuild. */
  reset(tx: Transaction): Promise<void>;
}

const BATCH = 500;

/**
 * Applies the events after the projection's checkpoint, in batches, each
 * batch and its new checkpoint in one transaction; the checkpoint row is
 * locked, so instances of a subgraph never apply an event twice. Returns the
 * number applied.
 */
export async function catchUp(db: Database, outbox: Outbox, projection: Projection): Promise<number> {
  let applied = 0;
  for (;;) {
    const count = await db.transaction(async (tx) => {
      await tx.query(`insert into ${outbox.schema}.checkpoints (projection, position) values ($1, 0) on conflict do nothing`, [projection.name]);
      const [checkpoint] = await tx.query<{ position: string }>(`select position from ${outbox.schema}.checkpoints where projection = $1 for update`, [
        projection.name,
      ]);
      const events = await outbox.read(tx, Number(checkpoint?.position ?? 0), BATCH, projection.types);
      for (const event of events) await projection.apply(event, tx);
      const last = events[events.length - 1];
      if (last) {
        await tx.query(`update ${outbox.schema}.checkpoints set position = $2, updated_at = now() where projection = $1`, [projection.name, last.position]);
      }
      return events.length;
    });
    applied += count;
    if (count < BATCH) return applied;
  }
}

/**
 * Rebuilds a projection from the whole log in ONE transaction: readers see
 * the old read model until the new one is complete, and the live runner
 * waits on the checkpoint lock meanwhile.
 */
export async function rebuildProjection(db: Database, outbox: Outbox, projection: Projection): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query(`insert into ${outbox.schema}.checkpoints (projection, position) values ($1, 0) on conflict do nothing`, [projection.name]);
    await tx.query(`select position from ${outbox.schema}.checkpoints where projection = $1 for update`, [projection.name]);
    await projection.reset(tx);
    let position = 0;
    let applied = 0;
    for (;;) {
      const events = await outbox.read(tx, position, BATCH, projection.types);
      for (const event of events) await projection.apply(event, tx);
      applied += events.length;
      const last = events[events.length - 1];
      if (!last) break;
      position = last.position;
    }
    await tx.query(`update ${outbox.schema}.checkpoints set position = $2, updated_at = now() where projection = $1`, [projection.name, position]);
    return applied;
  });
}

export interface ProjectionRunner {
  /** Resolves once every projection has applied every event committed before the call. */
  catchUp(): Promise<void>;
  stop(): Promise<void>;
}

/** Keeps `projections` current: on every local append, and by polling for other instances' appends. */
export function startProjections(options: {
  db: Database;
  outbox: Outbox;
  projections: readonly Projection[];
  logger: Logger;
  pollMs?: number;
}): ProjectionRunner {
  const { db, outbox, projections, logger } = options;
  const pollMs = options.pollMs ?? 1000;
  const loop = startPollLoop({
    round: async () => {
      for (const projection of projections) await catchUp(db, outbox, projection);
    },
    pollMs,
    onFailure: (error) => logger.error({ err: error, schema: outbox.schema }, 'projection failed; retrying'),
  });
  const unsubscribe = outbox.onAppended(() => loop.wake());
  return {
    catchUp: () => loop.runRound(),
    stop: async () => {
      unsubscribe();
      await loop.stop();
    },
  };
}
