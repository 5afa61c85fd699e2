import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lockDataDir } from '../../platform/storage/dataDirLock';
import { testStorageKind } from '../support/testStorage';
import { freeStackPorts } from '../../subgraphs/registry';
import { ensureBuilt, productEnv, spawnProduct } from '../support/processes';

/**
 * A configuration mistake ends a process with exit code 1 and one log line
 * naming the variable, the value and what is expected — no stack trace.
 */
describe('configuration errors', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-'));
  beforeAll(() => ensureBuilt(), 120_000);
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const run = async (script: string, env: NodeJS.ProcessEnv) => {
    const process = spawnProduct(script, productEnv({ DATA_DIR: dataDir, PORT: '0', ...env }));
    const code = await process.exited;
    return { code, lines: process.lines, entries: process.logEntries() };
  };

  it.each([
    ['embedded/main.js', { PORT: 'abc' }, 'PORT', 'abc'],
    ['embedded/main.js', { LOG_LEVEL: 'verbose' }, 'LOG_LEVEL', 'verbose'],
    ['embedded/main.js', { DATABASE_URL: 'postgres//no-scheme' }, 'DATABASE_URL', 'postgres//no-scheme'],
    ['embedded/main.js', { CORS_ORIGINS: 'https://shop.example.com/' }, 'CORS_ORIGINS', 'https://shop.example.com/'],
    ['embedded/main.js', { NODE_ENV: 'prod' }, 'NODE_ENV', 'prod'],
    ['gateway/main.js', { PORT: '70000' }, 'PORT', '70000'],
    ['gateway/main.js', { JWKS_URL: 'ftp://keys.example.com' }, 'JWKS_URL', 'ftp://keys.example.com'],
    ['gateway/main.js', { MAX_BODY_BYTES: '-5' }, 'MAX_BODY_BYTES', '-5'],
    ['subgraphs/orders/main.js', { NATS_URL: 'http://127.0.0.1:4222' }, 'NATS_URL', 'http://127.0.0.1:4222'],
    ['subgraphs/accounts/main.js', { JWT_TTL_SECONDS: 'an hour' }, 'JWT_TTL_SECONDS', 'an hour'],
    ['subgraphs/products/main.js', { SEED: 'maybe' }, 'SEED', 'maybe'],
  ])('%s with %j exits 1 with one line naming %s', async (script, env, variable, value) => {
    const { code, lines, entries } = await run(script, env);
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(entries[0]).toMatchObject({ variable, value });
    expect(String(entries[0]?.msg)).toContain(variable);
    expect(String(entries[0]?.expected).length).toBeGreaterThan(0);
    expect(entries[0]).not.toHaveProperty('err');
    expect(lines[0]).not.toMatch(/"stack"\s*:|\\n\s+at /);
  });

  it('never prints a secret it refuses', async () => {
    const { code, lines } = await run('gateway/main.js', { GATEWAY_IDENTITY_SECRET: 'too-short-secret' });
    expect(code).toBe(1);
    expect(lines.join('\n')).toContain('GATEWAY_IDENTITY_SECRET');
    expect(lines.join('\n')).not.toContain('too-short-secret');
  });

  it('retries an unreachable DATABASE_URL for CONNECT_RETRY_SECONDS, logging each attempt, then names it and exits 1', async () => {
    const { code, entries } = await run('subgraphs/products/main.js', {
      DATABASE_URL: 'postgresql://nobody:secret-password@127.0.0.1:1/commerce',
      CONNECT_RETRY_SECONDS: '1',
    });
    expect(code).toBe(1);
    const attempts = entries.filter((entry) => entry.msg === 'PostgreSQL at 127.0.0.1:1/commerce is unreachable; retrying');
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    const last = entries[entries.length - 1]!;
    expect(last).toMatchObject({ variable: 'DATABASE_URL' });
    expect(String(last.msg)).toMatch(/^DATABASE_URL: PostgreSQL at 127\.0\.0\.1:1\/commerce is unreachable after \d+ attempts/);
    expect(JSON.stringify(entries)).not.toContain('secret-password');
    expect(last.err).toBeUndefined();
  }, 120_000);

  (testStorageKind() === 'pglite' ? it : it.skip)(
    'retries an unreachable NATS_URL the same way',
    async () => {
      const { code, entries } = await run('subgraphs/reviews/main.js', { NATS_URL: 'nats://127.0.0.1:1', CONNECT_RETRY_SECONDS: '1', SEED: 'false' });
      expect(code).toBe(1);
      expect(entries.some((entry) => entry.msg === 'NATS at 127.0.0.1:1 is unreachable; retrying')).toBe(true);
      expect(entries[entries.length - 1]).toMatchObject({ variable: 'NATS_URL' });
    },
    120_000,
  );

  it('refuses a PGlite data directory that another live process holds, naming DATA_DIR', async () => {
    const held = path.join(dataDir, 'held');
    fs.mkdirSync(held, { recursive: true });
    // This test process holds the stack's database folder, as a running `npm start` would.
    const release = lockDataDir(path.join(held, 'pglite'));
    try {
      for (const [script, args] of [
        ['embedded/main.js', []],
        ['tools/rebuildProjections.js', ['orderHistory']],
      ] as const) {
        const process = spawnProduct(script, productEnv({ DATA_DIR: held, ...freeStackPorts() }), [...args]);
        expect(await process.exited).toBe(1);
        const last = process.logEntries().pop();
        expect(last).toMatchObject({ variable: 'DATA_DIR' });
        expect(String(last?.msg)).toContain(`is in use by process ${global.process.pid}`);
      }
    } finally {
      release();
    }
  });
});
