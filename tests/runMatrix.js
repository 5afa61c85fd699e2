#!/usr/bin/env node
// Runs the jest suites once on the embedded defaults and again against each
// real service whose URL is set (DATABASE_URL → PostgreSQL), then prints one
// closing line `tests: N passed, N failed` over all runs. Without a URL the
// service-backed run is left out, and it says so.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const jest = require.resolve('jest/bin/jest');
const extraArgs = process.argv.slice(2);
const runs = [{ name: 'embedded (PGlite)', env: {}, paths: [] }];
const leftOut = [];
if (process.env.DATABASE_URL) {
  // Every suite runs again: those that open storage (tests/support/testStorage.ts) now get PostgreSQL.
  runs.push({ name: 'PostgreSQL (DATABASE_URL)', env: { TEST_STORAGE: 'postgres' }, paths: [] });
} else {
  leftOut.push('PostgreSQL: DATABASE_URL is not set, so every suite ran on PGlite only');
}

let passed = 0;
let failed = 0;
let ok = true;
for (const run of runs) {
  console.log(`\n=== ${run.name} ===`);
  const output = path.join(os.tmpdir(), `jest-results-${process.pid}-${Date.now()}.json`);
  const result = spawnSync(process.execPath, [jest, '--json', `--outputFile=${output}`, ...extraArgs, ...run.paths], {
    stdio: 'inherit',
    env: { ...process.env, ...run.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim() },
  });
  if (fs.existsSync(output)) {
    const summary = JSON.parse(fs.readFileSync(output, 'utf8'));
    passed += summary.numPassedTests;
    failed += summary.numFailedTests + summary.numRuntimeErrorTestSuites;
    fs.rmSync(output, { force: true });
  }
  if (result.status !== 0) ok = false;
}
for (const line of leftOut) console.log(`left out: ${line}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);
