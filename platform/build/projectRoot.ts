import fs from 'node:fs';
import path from 'node:path';

/** The repository root: the nearest folder above `from` holding package.json (the same from `src` and from `dist/`). */
export function projectRoot(from: string): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${from}.`);
    dir = parent;
  }
  return dir;
}
