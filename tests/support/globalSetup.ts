import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Runs once before all test files: opening a fresh PGlite runs initdb (about
 * 4 s and 300 MB), so it is done once here and dumped; each suite then opens
 * its own copy from the dump in about a second.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_STORAGE === 'postgres') return;
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = await PGlite.create();
  const dump = await pglite.dumpDataDir('none');
  await pglite.close();
  const file = path.join(os.tmpdir(), `pglite-template-${process.pid}-${Date.now()}.tar`);
  fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  process.env.PGLITE_TEMPLATE = file;
}
