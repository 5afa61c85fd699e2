import fs from 'node:fs';
import path from 'node:path';
import type { Database } from './database';

/**
 * Applies the numbered `.sql` files in `directory` (`001_init.sql`, `002_…`) that
 * `schema` has not seen yet, all in one transaction, recording them in
 * `<schema>.schema_migrations`. An advisory lock keyed on the schema lets several
 * instances start at once: one migrates, the others wait and find nothing to do.
 * Returns the versions it applied.
 */
export async function migrate(db: Database, schema: string, directory: string): Promise<string[]> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`Schema name must be a lower-case identifier, got "${schema}".`);
  const files = fs
    .readdirSync(directory)
    .filter((file) => /^\d+_.+\.sql$/.test(file))
    .sort();
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`migrate:${schema}`]);
    await tx.query(`create schema if not exists ${schema}`);
    await tx.query(
      `create table if not exists ${schema}.schema_migrations (version text primary key, applied_at timestamptz not null default now())`,
    );
    const done = new Set((await tx.query<{ version: string }>(`select version from ${schema}.schema_migrations`)).map((r) => r.version));
    for (const file of files) {
      const version = file.replace(/\.sql$/, '');
      if (done.has(version)) continue;
      // A migration file may hold several statements; without parameters they run as one simple query.
      await tx.query(fs.readFileSync(path.join(directory, file), 'utf8'));
      await tx.query(`insert into ${schema}.schema_migrations (version) values ($1)`, [version]);
      applied.push(version);
    }
  });
  return applied;
}
