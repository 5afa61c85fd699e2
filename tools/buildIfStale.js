#!/usr/bin/env node
// `npm start`'s first step: runs `npm run build` unless dist/ is newer than every
// source it is built from (TypeScript, SDL, SQL, YAML, tsconfig and package
// files), so a restart — or a start with a bad setting — begins at once.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const stamp = path.join(root, 'dist', '.build-stamp');
const SKIP = new Set(['node_modules', 'dist', '.data', '.git', 'coverage', 'tests', 'bench']);
const SOURCE = /\.(ts|graphql|sql|yaml)$|^tsconfig.*\.json$|^package(-lock)?\.json$/;

function newest(dir) {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') && entry.name !== '.') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP.has(entry.name)) latest = Math.max(latest, newest(full));
    } else if (SOURCE.test(entry.name)) {
      latest = Math.max(latest, fs.statSync(full).mtimeMs);
    }
  }
  return latest;
}

const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
if (built > newest(root)) process.exit(0);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
