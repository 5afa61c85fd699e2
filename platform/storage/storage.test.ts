import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openTestStorage, testStorageKind, type TestStorage } from '../../tests/support/testStorage';
import { migrate } from './migrate';

/** The storage contract every subgraph relies on, run on PGlite and (TEST_STORAGE=postgres) PostgreSQL. */
describe(`storage (${testStorageKind()})`, () => {
  let t: TestStorage;
  let migrations: string;
  beforeAll(async () => {
    t = await openTestStorage();
    migrations = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
    fs.writeFileSync(
      path.join(migrations, '001_init.sql'),
      'create table demo.items (id int primary key, name text not null);\ncreate index on demo.items (name);',
    );
  });
  afterAll(async () => {
    await t?.dispose();
    fs.rmSync(migrations, { recursive: true, force: true });
  });

  it('applies each migration once and records it', async () => {
    const db = t.storage.database('demo');
    expect(await migrate(db, 'demo', migrations)).toEqual(['001_init']);
    expect(await migrate(db, 'demo', migrations)).toEqual([]);
    fs.writeFileSync(path.join(migrations, '002_more.sql'), 'alter table demo.items add column price int;');
    expect(await migrate(db, 'demo', migrations)).toEqual(['002_more']);
    const versions = await db.query<{ version: string }>('select version from demo.schema_migrations order by version');
    expect(versions.map((row) => row.version)).toEqual(['001_init', '002_more']);
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(migrate(t.storage.database('x'), 'bad; drop', migrations)).rejects.toThrow(/lower-case identifier/);
  });

  it('commits a transaction whole or rolls it back whole', async () => {
    const db = t.storage.database('demo');
    await db.transaction(async (tx) => {
      await tx.query('insert into demo.items (id, name) values ($1, $2)', [1, 'one']);
      await tx.query('insert into demo.items (id, name) values ($1, $2)', [2, 'two']);
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query('insert into demo.items (id, name) values ($1, $2)', [3, 'three']);
        await tx.query('insert into demo.items (id, name) values ($1, $2)', [1, 'duplicate']);
      }),
    ).rejects.toThrow(/duplicate key/);
    const rows = await db.query<{ id: number }>('select id from demo.items order by id');
    expect(rows.map((row) => row.id)).toEqual([1, 2]);
  });

  it('returns the same types on both engines', async () => {
    const [row] = await t.storage
      .database('demo')
      .query<{ big: string; ts: Date; arr: number[] }>(
        "select 9007199254740993::int8 as big, '2026-01-01T00:00:00.123Z'::timestamptz(3) as ts, array[1,2]::int[] as arr",
      );
    expect(row).toEqual({ big: '9007199254740993', ts: new Date('2026-01-01T00:00:00.123Z'), arr: [1, 2] });
  });

  it('reports every statement under the scope of the database that sent it', async () => {
    const seen: Array<[string, string]> = [];
    const stop = t.storage.onStatement(({ scope, text }) => seen.push([scope, text]));
    await t.storage.database('demo').query('select 1');
    await t.storage.database('other').transaction((tx) => tx.query('select 2'));
    stop();
    await t.storage.database('demo').query('select 3');
    expect(seen).toEqual([
      ['demo', 'select 1'],
      ['other', 'select 2'],
    ]);
  });
});
