import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { openStorage } from '../../platform/storage/openStorage';
import type { ConnectionPool } from '../../platform/storage/database';

/** Which storage the suites run on: `postgres` when the test runner set TEST_STORAGE=postgres (DATABASE_URL required), else PGlite. */
export function testStorageKind(): 'pglite' | 'postgres' {
  return process.env.TEST_STORAGE === 'postgres' ? 'postgres' : 'pglite';
}

export interface TestStorage {
  storage: ConnectionPool;
  /** Closes the pool and, on PostgreSQL, drops the suite's database. */
  dispose(): Promise<void>;
}

/**
 * Opens storage that belongs to this suite alone. On PostgreSQL it creates a
 * uniquely named database on the `DATABASE_URL` server and drops it after, so
 * runs never collide; on PGlite it opens an in-memory copy of the template.
 */
export async function openTestStorage(): Promise<TestStorage> {
  if (testStorageKind() === 'postgres') {
    const database = await createTestDatabase();
    const storage = await openStorage({ databaseUrl: database.url, poolSize: 5 });
    return {
      storage,
      dispose: async () => {
        await storage.close();
        await database.drop();
      },
    };
  }
  const templateFile = process.env.PGLITE_TEMPLATE;
  const storage = await openStorage(templateFile && fs.existsSync(templateFile) ? { pgliteTemplate: new Blob([fs.readFileSync(templateFile)]) } : {});
  return { storage, dispose: () => storage.close() };
}

/** A uniquely named, empty PostgreSQL database on the `DATABASE_URL` server, for a suite (or the processes it starts) alone. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('TEST_STORAGE=postgres needs DATABASE_URL.');
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withAdmin(serverUrl, (admin) => admin.query(`create database ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin(serverUrl, (admin) => admin.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

async function withAdmin<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
