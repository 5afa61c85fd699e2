import fs from 'node:fs';
import path from 'node:path';
import type { Database } from './database';

export interface MigrateOptions {
  /** Recorded before each file's version, so shared migrations (`platform_`) and a subgraph's own never clash. Default ''. */
  versionPrefix?: string;
}

/**
 * Applies the numbered `.sql` files in `directory` (`001_init.sql`, `002_…`) that
 * `schema` has not seen yet, all in one transaction, recording them in
 * `<schema>.schema_migrations`. An advisory lock keyed on the schema lets several
 * instances start at once: one migrates, the others wait and find nothing to do.
 * `__SCHEMA__` in a file stands for `schema`, for migrations every subgraph shares.
 * Returns the versions it applied.
 */
export async function migrate(db: Database, schema: string, directory: string, options: MigrateOptions = {}): Promise<string[]> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`Schema name must be a lower-case identifier, got "${schema}".`);
  const files = fs
    .readdirSync(directory)
    .filter((file) => /^\d+_.+\.sql$/.test(file))
    .sort();
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`migrate:${schema}`]);
    await tx.query(`create schema if not exists ${schema}`);
    await tx.query(`create table if not exists ${schema}.schema_migrations (version text primary key, applied_at timestamptz not null default now())`);
    const done = new Set((await tx.query<{ version: string }>(`select version from ${schema}.schema_migrations`)).map((r) => r.version));
    for (const file of files) {
      const version = `${options.versionPrefix ?? ''}${file.replace(/\.sql$/, '')}`;
      if (done.has(version)) continue;
      // A migration file may hold several statements; without parameters they run as one simple query.
      await tx.query(fs.readFileSync(path.join(directory, file), 'utf8').replaceAll('__SCHEMA__', schema));
      await tx.query(`insert into ${schema}.schema_migrations (version) values ($1)`, [version]);
      applied.push(version);
    }
  });
  return applied;
}
