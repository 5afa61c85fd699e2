import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export const root = path.resolve(__dirname, '../..');

/** Builds `dist/` unless it is there (`npm test` builds before jest runs, in compose:check). */
export function ensureBuilt(): void {
  if (!fs.existsSync(path.join(root, 'dist', 'embedded', 'main.js'))) execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'ignore' });
}

/** A compiled process of the product (`dist/…`), its output kept line by line. */
export interface ProductProcess {
  child: ChildProcess;
  /** Every stdout and stderr line so far. */
  lines: string[];
  /** Waits for a line matching `pattern` (rejects after `timeoutMs`, or when the process exits first). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** Every line that parses as a JSON log entry. */
  logEntries(): Array<Record<string, unknown>>;
}

/** The environment of a spawned process: the test's, less what would change its storage, bus or logging. */
export function productEnv(overrides: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATABASE_URL', 'NATS_URL', 'REDIS_URL', 'NODE_OPTIONS', 'NODE_ENV', 'LOG_LEVEL', 'PORT', 'JEST_WORKER_ID']) delete env[name];
  return { ...env, ...overrides };
}

/** Spawns `node dist/<script> …args` with exactly `env`. */
export function spawnProduct(script: string, env: NodeJS.ProcessEnv, args: string[] = []): ProductProcess {
  const child = spawn(process.execPath, [path.join(root, 'dist', script), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let exitedWith: number | string | undefined;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedWith = code ?? signal ?? 'unknown';
      for (const listener of listeners) listener();
      resolve(exitedWith);
    });
  });
  const onData = (stream: NodeJS.ReadableStream) => {
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter(Boolean));
      for (const listener of listeners) listener();
    });
  };
  onData(child.stdout);
  onData(child.stderr);
  return {
    child,
    lines,
    exited,
    waitForLine: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`No line matching ${pattern} within ${timeoutMs} ms:\n${lines.join('\n')}`)), timeoutMs);
        const check = () => {
          for (const line of lines) {
            const match = pattern.exec(line);
            if (match) return finish(undefined, match);
          }
          if (exitedWith !== undefined) finish(new Error(`Exited with ${exitedWith} before a line matching ${pattern}:\n${lines.join('\n')}`));
        };
        function finish(error?: Error, match?: RegExpExecArray) {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve(match!);
        }
        listeners.add(check);
        check();
      }),
    logEntries: () =>
      lines.flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
  };
}

/** Waits for the pino line whose `msg` is `message` and that carries a `url` field; returns the URL. */
export async function listeningUrl(process: ProductProcess, message: string): Promise<string> {
  const match = await process.waitForLine(new RegExp(`"url":"(http://[^"]+)".*"msg":"${message}"`));
  return match[1]!;
}

/**
 * Sends a POST with `Expect: 100-continue` and holds its body back. `accepted`
 * resolves when the server has taken the request (it answered `100
 * Continue`), so the request is then in flight on the server: a test can
 * signal the process at exactly that moment, then `release` the body.
 */
export function postInTwoParts(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): { accepted: Promise<void>; release(): void; response: Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> } {
  const target = new URL(url);
  const req = http.request({
    host: target.hostname,
    port: target.port,
    path: target.pathname,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue', ...headers },
  });
  const accepted = new Promise<void>((resolve) => req.once('continue', () => resolve()));
  const response = new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
  });
  req.flushHeaders();
  return { accepted, release: () => req.end(body), response };
}
