import { readCommonConfig } from '../platform/config';
import { createLogger } from '../platform/logger';
import { runMain } from '../platform/process/runMain';
import { openConfiguredStorage } from '../platform/process/openDependencies';
import type { ConnectionPool } from '../platform/storage/database';
import { systemClock } from '../platform/clock';
import { Outbox } from '../platform/events/outbox';
import { rebuildProjection, type Projection } from '../platform/events/projection';
import { SUBGRAPHS } from '../subgraphs/registry';

/** Every projection by name, with the subgraph (schema) whose log feeds it. */
export const PROJECTIONS: ReadonlyMap<string, { schema: string; projection: Projection }> = new Map(
  SUBGRAPHS.flatMap(({ name, projections }) => projections.map((projection) => [projection.name, { schema: name, projection }] as const)),
);

/** Rebuilds the named projections from their subgraphs' event logs, each in one transaction; returns how many events each applied. */
export async function rebuildProjections(storage: ConnectionPool, names: readonly string[]): Promise<Array<{ name: string; applied: number }>> {
  const unknown = names.filter((name) => !PROJECTIONS.has(name));
  if (unknown.length) throw new Error(`Unknown projection(s): ${unknown.join(', ')}. Known: ${[...PROJECTIONS.keys()].join(', ')}.`);
  const results = [];
  for (const name of names) {
    const { schema, projection } = PROJECTIONS.get(name)!;
    const applied = await rebuildProjection(storage.database(`${schema}:rebuild`), new Outbox(schema, systemClock), projection);
    results.push({ name, applied });
  }
  return results;
}

// `npm run projections:rebuild -- <name>… | --all`: a composition root of its own. On PGlite, stop
// `npm start` first (PGlite is single-process), or rebuild through the running stack with the admin
// mutations `rebuildOrdersReadModel` / `rebuildReviewsReadModel`; on PostgreSQL it runs beside live
// instances, whose projection runners wait on the checkpoint lock until the rebuild commits.
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const names = args.includes('--all') ? [...PROJECTIONS.keys()] : args;
  if (!names.length || names.some((name) => !PROJECTIONS.has(name))) {
    console.error(`Usage: npm run projections:rebuild -- <name>… | --all\nProjections: ${[...PROJECTIONS.keys()].join(', ')}`);
    process.exit(2);
  }
  const config = readCommonConfig(process.env);
  const storage = await openConfiguredStorage(config, createLogger('projections', config.logLevel));
  try {
    for (const { name, applied } of await rebuildProjections(storage, names)) console.log(`rebuilt ${name} from ${applied} events`);
  } finally {
    await storage.close();
  }
}

if (require.main === module) runMain('projections', main);
