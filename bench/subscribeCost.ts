import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SEED_PRODUCTS } from '../platform/seedData';
import { newId } from '../platform/ids';
import { treeCpuMs } from './federation/processStats';
import { customerTokens, startStackProcess } from './subscriptionFanout';
import { BenchClient } from './BenchClient';

export const SUBSCRIBE_COST_START = '<!-- bench:subscribe-cost:start -->';
export const SUBSCRIBE_COST_END = '<!-- bench:subscribe-cost:end -->';

export interface SubscribeCostOptions {
  /** graphql-ws connections. Default 1000. */
  sockets?: number;
  /** Subscriptions each connection sends at once. Default 10. */
  perSocket?: number;
  /** Every `signedInEvery`-th connection signs in and sends one viewer-dependent subscription among its others. Default 10. */
  signedInEvery?: number;
  /** Flags for the stack's `node` (e.g. `--cpu-prof`). */
  nodeFlags?: readonly string[];
  log?: (line: string) => void;
}

export interface SubscribeCostResult {
  sockets: number;
  subscribes: number;
  /** Distinct topics the burst opens: shared (one per product) and one per signed-in viewer. */
  sharedTopics: number;
  viewerTopics: number;
  /** From the first subscribe sent until the stack's CPU settled back to its baseline. */
  burstMs: number;
  /** The stack's CPU during the burst less its baseline rate over the same time, per subscribe. */
  cpuMsPerSubscribe: number;
  /** The stack's CPU rate with every connection open and idle, pings included (cores). */
  baselineCores: number;
  /** `{ __typename }` over HTTP, sent every 10 ms during the burst: latency percentiles. */
  ping: { count: number; failed: number; p50: number; p99: number; max: number };
  /** Subscribers of the verification event's product, and how many had it. */
  delivered: { expected: number; received: number };
  /** Errors the subscriptions ended with (none expected). */
  errors: number;
  /** The burst, in CLOCK_MONOTONIC µs (the clock of the stack's `--cpu-prof` profile). */
  window: { fromUs: number; toUs: number };
}

const SHARED = `subscription Reviews($p: ID!) { reviewAdded(productId: $p) { review { rating body author { name } product { name } } } }`;
// `author { email }` is viewer-dependent: one topic per viewer.
const PER_VIEWER = `subscription MyReviews($p: ID!) { reviewAdded(productId: $p) { review { rating body author { name email } product { name } } } }`;

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Pings in a worker thread, so the clients' own work in this thread does not
 * delay them: `{ __typename }` every 10 ms, each sent without waiting for the
 * last; replies `[sentAtUs, ms | -1]` for each when asked.
 */
const PINGER = `
const { parentPort, workerData } = require('node:worker_threads');
const samples = [];
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const timer = setInterval(() => {
  const sent = nowUs();
  const sample = [sent, -1];
  samples.push(sample);
  fetch(workerData.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })
    .then((response) => response.text().then(() => { if (response.ok) sample[1] = (nowUs() - sent) / 1000; }))
    .catch(() => undefined);
}, 10);
parentPort.on('message', (message) => {
  if (message === 'stop') { clearInterval(timer); parentPort.postMessage(samples); }
});
`;

function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * A mass reconnect: `sockets` graphql-ws connections are open and the
 * gateway's caches warm (each document subscribed once before); then every
 * connection sends `perSocket` subscriptions at once — `reviewAdded` of 10
 * products with fields from three subgraphs, shared by everyone, and from
 * every `signedInEvery`-th (signed-in) connection one viewer-dependent one.
 * Measures the stack process's CPU per subscribe (less its idle baseline)
 * and the latency of an HTTP `{ __typename }` sent every 10 ms meanwhile;
 * then checks that one event reaches every subscriber of its product.
 */
export async function measureSubscribeCost(options: SubscribeCostOptions = {}): Promise<SubscribeCostResult> {
  const sockets = options.sockets ?? 1000;
  const perSocket = options.perSocket ?? 10;
  const signedInEvery = options.signedInEvery ?? 10;
  const log = options.log ?? (() => undefined);
  const products = SEED_PRODUCTS.filter((_, n) => n % 5 === 4).slice(0, 10);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'subscribe-cost-'));
  const { child, url } = await startStackProcess(dataDir, options.nodeFlags);
  const pid = child.pid!;
  const clients: BenchClient[] = [];
  let pinger: Worker | undefined;
  try {
    const tokenFor = await customerTokens(dataDir);
    const connect = (token: string | undefined) => BenchClient.connect(url.replace(/^http/, 'ws'), token);
    const signedIn = (i: number) => i % signedInEvery === signedInEvery - 1;
    // Connect in batches: thousands of handshakes at once would outrun the server's 3 s connection_init wait.
    for (let i = 0; i < sockets; i += 100) {
      const batch: Array<Promise<BenchClient>> = [];
      for (let j = i; j < Math.min(sockets, i + 100); j += 1) batch.push(signedIn(j) ? tokenFor(newId()).then(connect) : connect(undefined));
      clients.push(...(await Promise.all(batch)));
    }
    log(`${sockets} connections open`);

    let errors = 0;
    let received = 0;
    const firstErrors: unknown[] = [];
    const sinks = {
      next: () => void (received += 1),
      error: (error: unknown) => {
        errors += 1;
        if (firstErrors.length < 3) firstErrors.push(error);
      },
      complete: () => undefined,
    };
    // Warm the caches: each document once, anonymous and signed in, then gone.
    const warm: Array<() => void> = [];
    for (const client of [clients[0]!, clients[signedInEvery - 1]!]) {
      for (const query of [SHARED, PER_VIEWER]) warm.push(client.subscribe({ query, variables: { p: products[0]!.id } }, sinks));
    }
    await sleep(2000);
    for (const dispose of warm) dispose();
    await sleep(1000);

    pinger = new Worker(PINGER, { eval: true, workerData: { url } });
    // The baseline: every connection open and idle, the pings running.
    await sleep(1000);
    const baselineFrom = { us: nowUs(), cpu: treeCpuMs([pid]) };
    await sleep(3000);
    const baselineCores = (treeCpuMs([pid]) - baselineFrom.cpu) / ((nowUs() - baselineFrom.us) / 1000);
    log(`baseline ${(baselineCores * 100).toFixed(1)}% of a core`);

    // The burst: every connection's subscriptions at once, as after a gateway restart.
    const fromUs = nowUs();
    const cpuBefore = treeCpuMs([pid]);
    let expected = 0;
    clients.forEach((client, i) =>
      client.corked(() => {
        for (let s = 0; s < perSocket; s += 1) {
          const product = products[(i + s) % products.length]!;
          if (product === products[0]) expected += 1;
          const query = signedIn(i) && s === 0 ? PER_VIEWER : SHARED;
          client.subscribe({ query, variables: { p: product.id } }, sinks);
        }
      }),
    );
    // Done when the stack's CPU is back near its baseline for two samples in a row.
    const started = performance.now();
    let last = { us: nowUs(), cpu: treeCpuMs([pid]) };
    let quiet = 0;
    while (quiet < 2 && performance.now() - started < 180_000) {
      await sleep(250);
      const now = { us: nowUs(), cpu: treeCpuMs([pid]) };
      const cores = (now.cpu - last.cpu) / ((now.us - last.us) / 1000);
      quiet = cores <= baselineCores + 0.1 ? quiet + 1 : 0;
      if (process.env.SUBSCRIBE_BENCH_TRACE) log(`  +${((now.us - fromUs) / 1000).toFixed(0)} ms: ${(cores * 100).toFixed(0)}% of a core`);
      last = now;
    }
    const toUs = last.us;
    const burstMs = (toUs - fromUs) / 1000;
    const cpuMs = last.cpu - cpuBefore - baselineCores * burstMs;
    const subscribes = sockets * perSocket;
    log(`burst settled after ${burstMs.toFixed(0)} ms`);

    pinger.postMessage('stop');
    const samples = await new Promise<Array<[number, number]>>((resolve) => pinger!.once('message', resolve));
    const during = samples.filter(([sent]) => sent >= fromUs && sent <= toUs);
    if (process.env.SUBSCRIBE_BENCH_TRACE)
      log(
        `  slow pings (sent at +ms: ms): ${during
          .filter(([, ms]) => ms > 50 || ms < 0)
          .map(([sent, ms]) => `+${((sent - fromUs) / 1000).toFixed(0)}: ${ms.toFixed(0)}`)
          .join(', ')}`,
      );
    const latencies = during
      .map(([, ms]) => ms)
      .filter((ms) => ms >= 0)
      .sort((a, b) => a - b);

    // Every subscription is live: one review on the first product reaches each of its subscribers (once their topics' upstream subscriptions are acknowledged).
    await sleep(2000);
    const logIn = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { logIn(input: { email: "bob@example.com", password: "bob-password" }) { token } }' }),
    });
    const reviewer = ((await logIn.json()) as { data: { logIn: { token: string } } }).data.logIn.token;
    received = 0;
    const added = (await (
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${reviewer}` },
        body: JSON.stringify({
          query: 'mutation($i: AddReviewInput!) { addReview(input: $i) { review { id } } }',
          variables: { i: { productId: products[0]!.id, rating: 5, body: 'Subscribe cost.' } },
        }),
      })
    ).json()) as { errors?: unknown };
    if (added.errors) throw new Error(`addReview failed: ${JSON.stringify(added.errors)}`);
    const deadline = performance.now() + 30_000;
    while (received < expected && performance.now() < deadline) await sleep(100);
    if (errors) log(`${errors} subscriptions ended with errors, the first: ${JSON.stringify(firstErrors)}`);

    return {
      sockets,
      subscribes,
      sharedTopics: products.length,
      viewerTopics: clients.filter((_, i) => signedIn(i)).length,
      burstMs,
      cpuMsPerSubscribe: cpuMs / subscribes,
      baselineCores,
      ping: {
        count: during.length,
        failed: during.length - latencies.length,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies[latencies.length - 1] ?? NaN,
      },
      delivered: { expected, received },
      errors,
      window: { fromUs, toUs },
    };
  } finally {
    await pinger?.terminate();
    await Promise.all(clients.map(async (client) => client.dispose()));
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The section of docs/benchmarks.md between `SUBSCRIBE_COST_START` and `SUBSCRIBE_COST_END`. */
export function subscribeCostSection(result: SubscribeCostResult, command: string): string {
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  return [
    '<!-- Written by `npm run bench` and `npm run bench:subscribe` (bench/subscribeCost.ts): edit there, not here. -->',
    '## Subscribe cost (a mass reconnect)',
    '',
    `Written by ${command} on ${new Date().toISOString().slice(0, 10)} (${os.cpus().length} cores, Node ${process.version}).`,
    `The \`npm start\` stack in a child process (NODE_ENV=production); ${result.sockets} graphql-ws connections are open and each`,
    `document was subscribed once before (warm caches). Then every connection sends ${result.subscribes / result.sockets} subscriptions at once`,
    `(${result.subscribes} in all): \`reviewAdded\` of ${result.sharedTopics} products with fields from three subgraphs, shared by everyone, and from`,
    `every tenth connection (signed in) one viewer-dependent subscription (\`author { email }\`: ${result.viewerTopics} topics of their own).`,
    "CPU is the stack process's (gateway and subgraphs) from the first subscribe until its CPU is back at its idle rate, less that",
    'rate; an HTTP `{ __typename }` is sent every 10 ms meanwhile (from a worker thread, without waiting for the previous one).',
    '',
    '| subscribes | burst | stack CPU per subscribe | `{ __typename }` during the burst: p50 | p99 | max | failed | event delivered |',
    '|---|---|---|---|---|---|---|---|',
    `| ${result.subscribes} | ${ms(result.burstMs)} | ${result.cpuMsPerSubscribe.toFixed(3)} ms | ${ms(result.ping.p50)} | ${ms(result.ping.p99)} | ${ms(result.ping.max)} | ${result.ping.failed} of ${result.ping.count} | ${result.delivered.received} of ${result.delivered.expected} |`,
  ].join('\n');
}
