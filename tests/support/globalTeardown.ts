import fs from 'node:fs';

/** Removes the PGlite template dump made by globalSetup. */
export default async function globalTeardown(): Promise<void> {
  const file = process.env.PGLITE_TEMPLATE;
  if (file) fs.rmSync(file, { force: true });
}
