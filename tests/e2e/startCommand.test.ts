import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testStorageKind } from '../support/testStorage';
import { freeStackPorts } from '../../subgraphs/registry';

const root = path.resolve(__dirname, '../..');

/**
 * What `npm start` runs: the compiled `dist/embedded/main.js` with its copied assets
 * (SDL, migrations, the supergraph), on the embedded defaults. It guards the
 * build itself, which the in-process suites never exercise. Runs in the
 * embedded pass only (it opens PGlite in a data directory of its own).
 */
const embeddedOnly = testStorageKind() === 'pglite' ? describe : describe.skip;

embeddedOnly('the start command', () => {
  let child: ChildProcess | undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-'));
  beforeAll(() => {
    // `npm test` builds before jest runs (compose:check); build here when run on its own.
    if (!fs.existsSync(path.join(root, 'dist', 'embedded', 'main.js'))) execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'ignore' });
  }, 120_000);
  afterAll(() => {
    child?.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the supergraph from dist/ on free ports and stops cleanly on SIGTERM', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      ...freeStackPorts(),
    };
    delete env.DATABASE_URL;
    delete env.NATS_URL;
    delete env.NODE_OPTIONS;
    child = spawn(process.execPath, [path.join(root, 'dist', 'embedded', 'main.js')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stderr!.on('data', (chunk) => (output += chunk));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no gateway within 60 s:\n${output}`)), 60_000);
      child!.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"url":"(http:\/\/[^"]+\/graphql)"[^\n]*"msg":"gateway listening"/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child!.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
    });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ products(first: 1) { totalCount edges { node { name stock rating { count } } } } }' }),
    });
    const body = (await response.json()) as any;
    expect(body.errors).toBeUndefined();
    expect(body.data.products.totalCount).toBe(40);
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 90_000);
});
