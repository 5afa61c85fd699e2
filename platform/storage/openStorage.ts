import fs from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import { ConnectionPool } from './database';
import { lockDataDir } from './dataDirLock';

export interface StorageOptions {
  /** A PostgreSQL connection string. When absent, an embedded PGlite database is used. */
  databaseUrl?: string;
  /** Where PGlite keeps its files (`<dataDir>/<pgliteFolder>`). Ignored with `databaseUrl`. */
  dataDir?: string;
  /** The folder under `dataDir`. Default `pglite`. A PGlite folder must be opened by one process at a time. */
  pgliteFolder?: string;
  /** Start PGlite from this dump (`PGlite.dumpDataDir`) in memory instead of from `dataDir`. Tests use it to skip initdb. */
  pgliteTemplate?: Blob;
  /** PostgreSQL pool size. Default 10. */
  poolSize?: number;
}

/** Opens PostgreSQL when `databaseUrl` is set, else PGlite; both behind node-postgres' `Pool`, so the same SQL and types serve both. */
export async function openStorage(options: StorageOptions): Promise<ConnectionPool> {
  if (options.databaseUrl) {
    const pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10, connectionTimeoutMillis: 5000 });
    // An idle client's network error must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    try {
      await pool.query('select 1');
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    return new ConnectionPool(pool, 'postgres');
  }
  // PGlite's CommonJS build loads its wasm through a dynamic import, so it is loaded lazily here.
  const { PGlite } = await import('@electric-sql/pglite');
  const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
  let pglite;
  if (options.pgliteTemplate) {
    pglite = await PGlite.create({ loadDataDir: options.pgliteTemplate });
  } else if (options.dataDir) {
    const dir = path.resolve(options.dataDir, options.pgliteFolder ?? 'pglite');
    fs.mkdirSync(dir, { recursive: true });
    // PGlite has no locking of its own: two processes on one folder would corrupt it.
    const release = lockDataDir(dir);
    try {
      pglite = await PGlite.create({ dataDir: dir });
    } catch (error) {
      release();
      throw error;
    }
    const opened = pglite;
    return new ConnectionPool(new Pool(createPgConfig(opened)), 'pglite', async () => {
      await opened.close();
      release();
    });
  } else {
    pglite = await PGlite.create();
  }
  const pool = new Pool(createPgConfig(pglite));
  return new ConnectionPool(pool, 'pglite', () => pglite.close());
}
