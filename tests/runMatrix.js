#!/usr/bin/env node
// Runs the jest suites once on the embedded defaults (PGlite, in-memory bus)
// and once more on the real services whose URLs are set (DATABASE_URL →
// PostgreSQL, NATS_URL → JetStream, REDIS_URL → Redis), then prints one closing line
// `tests: N passed, N failed` over all runs. What has no URL is left out, and
// it says so.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const jest = require.resolve('jest/bin/jest');
const extraArgs = process.argv.slice(2);
const runs = [{ name: 'embedded (PGlite, in-memory event bus)', env: { TEST_STORAGE: 'pglite', TEST_EVENT_BUS: 'in-memory' }, paths: [] }];
const leftOut = [];
// The services run: every suite again, on whichever real services have a URL.
const services = {};
const serviceNames = [];
if (process.env.DATABASE_URL) {
  services.TEST_STORAGE = 'postgres';
  serviceNames.push('PostgreSQL');
} else {
  leftOut.push('PostgreSQL: DATABASE_URL is not set, so storage ran on PGlite only');
}
if (process.env.NATS_URL) {
  services.TEST_EVENT_BUS = 'nats';
  serviceNames.push('NATS JetStream');
} else {
  leftOut.push('NATS JetStream: NATS_URL is not set, so events ran on the in-memory bus only (and the broker-outage suite was skipped)');
}
if (process.env.REDIS_URL) {
  services.TEST_SHARED_STORE = 'redis';
  serviceNames.push('Redis');
} else {
  leftOut.push('Redis: REDIS_URL is not set, so shared gateway state (rate limits, persisted operations, nonces) ran in memory only');
}
if (serviceNames.length) runs.push({ name: `services (${serviceNames.join(', ')})`, env: services, paths: [] });
let passed = 0;
let failed = 0;
let ok = true;
for (const run of runs) {
  console.log(`\n=== ${run.name} on Node ${process.version} ===`);
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
