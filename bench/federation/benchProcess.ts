import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { request } from 'undici';

/** A process the benchmark started, with the tail of its output for when it fails. */
export interface BenchProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Its last lines of stdout and stderr. */
  tail(): string;
  /** Null while it runs; else its exit code or signal. */
  exitedWith(): number | string | null;
  /** SIGTERM, then SIGKILL when it has not exited after 5 s. */
  stop(): Promise<void>;
}

const TAIL_LINES = 40;

/** The benchmark's own environment, less what would change how a child runs or logs. */
export function childEnv(overrides: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['NODE_OPTIONS', 'NODE_ENV', 'LOG_LEVEL', 'PORT', 'DATABASE_URL', 'NATS_URL', 'REDIS_URL', 'JEST_WORKER_ID']) delete env[name];
  return { ...env, NODE_ENV: 'production', ...overrides };
}

/** Starts `node …args`. */
export function spawnNode(name: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd: string }): BenchProcess {
  const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (lines.length > TAIL_LINES) lines.splice(0, lines.length - TAIL_LINES);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited: number | string | null = null;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = code ?? signal ?? 'unknown';
      resolve();
    }),
  );
  if (child.pid === undefined) throw new Error(`${name} could not be started: node ${args.join(' ')}`);
  return {
    name,
    pid: child.pid,
    child,
    tail: () => lines.join('\n'),
    exitedWith: () => exited,
    stop: async () => {
      if (exited !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** A port nothing listens on now (the OS's pick; another process could take it before it is used, which start-up would report). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Waits until `url` answers 200 (a POST of `{ __typename }` when `graphql`,
 * else a GET); throws with the process's output when it exits first or
 * `timeoutMs` pass.
 */
export async function waitUntilServing(proc: BenchProcess, url: string, graphql: boolean, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < until) {
    if (proc.exitedWith() !== null) throw new Error(`${proc.name} exited (${proc.exitedWith()}) before serving ${url}:\n${proc.tail()}`);
    try {
      const response = await request(url, {
        method: graphql ? 'POST' : 'GET',
        headers: graphql ? { 'content-type': 'application/json' } : {},
        body: graphql ? JSON.stringify({ query: '{ __typename }' }) : undefined,
      });
      const text = await response.body.text();
      if (response.statusCode === 200) return;
      last = `HTTP ${response.statusCode}: ${text.slice(0, 300)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${proc.name} did not serve ${url} within ${timeoutMs} ms (last: ${last}):\n${proc.tail()}`);
}
