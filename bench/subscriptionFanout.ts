import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { SignJWT } from 'jose';
import { loadOrCreateSigningKey } from '../subgraphs/accounts/signingKey';
import { SEED_PRODUCTS } from '../platform/seedData';
import { newId } from '../platform/ids';
import { freeStackPorts } from '../subgraphs/registry';

export interface FanoutResult {
  subscribers: number;
  shared: boolean;
  /** From the mutation's response until the last subscriber had the event. */
  lastDeliveryMs: number;
  /** Growth of the stack process's resident memory per subscriber, between 10% and 100% of them. */
  rssPerSubscriberKiB: number;
}

/**
 * The stack as `npm start` runs it, in a child process, so its memory and CPU
 * are measured apart from the clients'; `nodeFlags` go to its `node` (e.g.
 * `--cpu-prof`).
 */
export async function startStackProcess(dataDir: string, nodeFlags: readonly string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const root = path.resolve(__dirname, '../..');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
    ...freeStackPorts(),
    // One benchmark client signs in thousands of users from one address: the budgets are what is not measured here.
    RATE_LIMIT_OPERATIONS: '1000000',
    RATE_LIMIT_CREDENTIALS: '1000000',
  };
  delete env.DATABASE_URL;
  delete env.NATS_URL;
  const child = spawn(process.execPath, [...nodeFlags, path.join(root, 'dist', 'embedded', 'main.js')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+\/graphql)"[^\n]*"msg":"gateway listening"/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`stack exited with ${code}`)));
  });
  child.stdout.resume();
  return { child, url };
}

function rssKiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
}

/**
 * `subscribers` graphql-ws clients on one gateway subscribe to
 * `reviewAdded` of one product, with product and author fields from other
 * subgraphs; one review is added; the time until the last client has it and
 * the gateway's memory per subscriber are reported. `shared`: all anonymous
 * (identical, so one upstream subscription and one resolution); otherwise
 * each signed in as a different viewer (one upstream subscription each).
 */
/**
 * Signs access tokens for customers as the stack's accounts subgraph would,
 * with the signing key it keeps in `dataDir`: the benchmarks' callers sign in
 * without a round trip each.
 */
export async function customerTokens(dataDir: string): Promise<(userId: string) => Promise<string>> {
  const key = await loadOrCreateSigningKey({ dataDir });
  return (userId) =>
    new SignJWT({ role: 'CUSTOMER' })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setSubject(userId)
      .setIssuer('commerce-accounts')
      .setAudience('commerce-api')
      .setExpirationTime('1h')
      .sign(key.privateKey);
}

export async function measureFanout(subscribers: number, shared: boolean): Promise<FanoutResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fanout-'));
  const { child, url } = await startStackProcess(dataDir);
  const clients: Client[] = [];
  try {
    const tokenFor = await customerTokens(dataDir);
    // Index 4 mod 5: no seeded reviews, so the reviewer's review is not a duplicate.
    const product = SEED_PRODUCTS[4]!;
    // Per viewer: `email` is viewer-dependent, so each signed-in subscriber gets its own upstream subscription and resolution.
    const query = shared
      ? `subscription($p: ID!) { reviewAdded(productId: $p) { review { rating body author { name } product { name } } } }`
      : `subscription($p: ID!) { reviewAdded(productId: $p) { review { rating body author { name email } product { name } } } }`;
    // Memory is the slope between 10% and 100% of the subscribers, which leaves start-up allocations out.
    const tenth = Math.ceil(subscribers / 10);
    let baseline = 0;
    let received = 0;
    let allReceived: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (allReceived = resolve));
    let subscribed: Array<Promise<void>> = [];
    for (let i = 0; i < subscribers; i += 1) {
      // Connect in batches: thousands of handshakes at once would outrun the server's 3 s connection_init wait.
      if (subscribed.length === 100 || i === tenth) {
        await Promise.all(subscribed);
        subscribed = [];
      }
      if (i === tenth) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        baseline = rssKiB(child.pid!);
      }
      const token = shared ? undefined : await tokenFor(newId());
      const client = createClient({
        url: url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        lazy: false,
        retryAttempts: 0,
        connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      });
      clients.push(client);
      subscribed.push(
        new Promise<void>((resolve, reject) => {
          client.on('connected', () => resolve());
          client.on('closed', (event) => reject(new Error(`subscriber ${i} closed before connecting: ${(event as { code?: number }).code}`)));
          client.subscribe(
            { query, variables: { p: product.id } },
            {
              next: () => {
                received += 1;
                if (received === subscribers) allReceived();
              },
              error: () => undefined,
              complete: () => undefined,
            },
          );
        }),
      );
    }
    await Promise.all(subscribed);
    // Let every subscribe message reach the subgraph before the event.
    await new Promise((resolve) => setTimeout(resolve, 1500 + subscribers / 2));
    const loaded = rssKiB(child.pid!);
    const logIn = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { logIn(input: { email: "bob@example.com", password: "bob-password" }) { token } }' }),
    });
    const reviewer: string = ((await logIn.json()) as { data: { logIn: { token: string } } }).data.logIn.token;
    const started = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${reviewer}` },
      body: JSON.stringify({
        query: 'mutation($i: AddReviewInput!) { addReview(input: $i) { review { id } } }',
        variables: { i: { productId: product.id, rating: 5, body: 'Fan-out.' } },
      }),
    });
    const added = (await response.json()) as { errors?: unknown };
    if (added.errors) throw new Error(`addReview failed: ${JSON.stringify(added.errors)}`);
    await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${received} of ${subscribers} received`)), 60_000))]);
    return { subscribers, shared, lastDeliveryMs: performance.now() - started, rssPerSubscriberKiB: (loaded - baseline) / (subscribers - tenth) };
  } finally {
    await Promise.all(clients.map(async (client) => client.dispose()));
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
