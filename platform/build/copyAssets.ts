import fs from 'node:fs';
import path from 'node:path';

/**
 * Copies the files compiled code reads at run time (subgraph SDL, SQL
 * migrations — the subgraphs' and the shared event tables' — the composed supergraph and the persisted operation manifest) from the source tree into `dist/`, so
 * `node dist/...` finds them beside its JavaScript exactly as tests find them
 * beside the TypeScript.
 */
const root = path.resolve(__dirname, '../../..');
const dist = path.join(root, 'dist');
const ASSET = /\.(graphql|sql|yaml)$|^persisted-operations\.json$/;

function copyTree(relative: string): number {
  let copied = 0;
  const from = path.join(root, relative);
  if (!fs.existsSync(from)) return 0;
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const child = path.join(relative, entry.name);
    if (entry.isDirectory()) copied += copyTree(child);
    else if (ASSET.test(entry.name)) {
      fs.mkdirSync(path.join(dist, relative), { recursive: true });
      fs.copyFileSync(path.join(root, child), path.join(dist, child));
      copied += 1;
    }
  }
  return copied;
}

const count = copyTree('subgraphs') + copyTree('schema') + copyTree('platform');
console.log(`copied ${count} asset files into dist/`);
// Read by tools/buildIfStale.js: `npm start` skips the build while no source is newer than this.
fs.writeFileSync(path.join(dist, '.build-stamp'), new Date().toISOString());
