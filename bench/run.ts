import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureEventLag, type LagResult } from './eventLag';
import { measureFanout, type FanoutResult } from './subscriptionFanout';
import { measureOperationLimits } from './operationLimits';
import { SUBSCRIBE_COST_END, SUBSCRIBE_COST_START, measureSubscribeCost, subscribeCostSection } from './subscribeCost';
import { replaceMarkedBlock } from './markedBlock';
import { SUBSCRIPTION_SOAK_END, SUBSCRIPTION_SOAK_START, measureSubscriptionSoak, readSoakOptions, subscriptionSoakSection } from './subscriptionSoak';
import { measureFederation, readFederationOptions } from './federation/measureFederation';
import { FEDERATION_CHART, FEDERATION_END, FEDERATION_START, federationChart, federationSection } from './federation/report';

/** Marks the block of docs/events.md that `npm run bench` rewrites with the event-lag table. */
const EVENT_LAG_START = '<!-- bench:event-lag:start -->';
const EVENT_LAG_END = '<!-- bench:event-lag:end -->';

/**
 * `npm run bench`: runs every benchmark once on this machine and writes
 * docs/benchmarks.md (the federation chart beside it), and the same
 * event-lag figures into docs/events.md's marked block. The machine is
 * shared and noisy: compare numbers from one run with each other, not
 * across runs.
 */
async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../..');
  const eventsFile = path.join(root, 'docs', 'events.md');
  // Fail before the benchmarks run, not after, when events.md lost its markers.
  replaceMarkedBlock(fs.readFileSync(eventsFile, 'utf8'), EVENT_LAG_START, EVENT_LAG_END, '', 'docs/events.md', 'the event-lag table');
  const federationOptions = readFederationOptions(process.env);
  // First, while nothing of this run has loaded the machine yet (it fails at once when the peer gateways are not installed).
  const federation = await measureFederation({ ...federationOptions, log: (line) => console.log(`federation: ${line}`) });
  const lag: LagResult[] = [await measureEventLag('in-memory')];
  if (process.env.NATS_URL) lag.push(await measureEventLag('nats'));
  const limits = measureOperationLimits();
  const fanout: FanoutResult[] = [];
  for (const [subscribers, shared] of [
    [1000, true],
    [5000, true],
    [1000, false],
  ] as const)
    fanout.push(await measureFanout(subscribers, shared));
  const subscribeCost = await measureSubscribeCost();
  // Scaled out over PostgreSQL and JetStream (so a subgraph can be restarted): only when both are given.
  const soakOptions = readSoakOptions(process.env);
  const soak = soakOptions ? await measureSubscriptionSoak({ ...soakOptions, log: (line) => console.log(`soak: ${line}`) }) : undefined;
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const runLine = `\`npm run bench\` on ${new Date().toISOString().slice(0, 10)} (${os.cpus().length} cores, Node ${process.version}, storage ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`;
  // One table for both pages, so docs/events.md always shows the figures of the latest run.
  const lagTable = [
    '| bus | storage | samples | saga p50 | saga p95 | rating p50 | rating p95 |',
    '|---|---|---|---|---|---|---|',
    ...lag.map((r) => `| ${r.bus} | ${r.storage} | ${r.samples} | ${ms(r.saga.p50)} | ${ms(r.saga.p95)} | ${ms(r.rating.p50)} | ${ms(r.rating.p95)} |`),
    '',
    ...(process.env.NATS_URL ? [] : ['NATS was not measured: NATS_URL was not set.', '']),
  ];
  const lines = [
    '# Benchmarks',
    '',
    `Written by ${runLine}.`,
    'One run on a shared, noisy machine: read the numbers against each other, not as absolutes.',
    '',
    '## Event lag (eventually consistent fields)',
    '',
    "From a mutation's HTTP response until a client polling the gateway every 2 ms sees the effect: `order.status` leaving `PENDING`",
    '(the order saga: orders → bus → inventory → bus → orders) and `Product.rating.count` including a new review (the rating projection).',
    '',
    'The same table is copied into [events.md](events.md#what-is-eventually-consistent).',
    '',
    ...lagTable,
    '## Subscription fan-out',
    '',
    'One gateway (the `npm start` stack in a child process, PGlite, in-process bus, NODE_ENV=production); N graphql-ws clients',
    'subscribe to `reviewAdded(productId)` with `author { name }` and `product { name }` from other subgraphs; one review is added.',
    '"shared": anonymous identical subscriptions (one upstream subscription, one resolution); "per viewer": each client a different',
    'signed-in user selecting `author { email }` (viewer-dependent: one upstream subscription and one resolution each). Memory is the',
    'RSS growth of the stack process per subscriber between 10% and 100% of them (gateway and subgraphs share the process, so it',
    'includes the subgraph side of each upstream subscription; the clients run in the benchmark process).',
    '',
    '| subscribers | sharing | mutation → last delivery | stack RSS per subscriber |',
    '|---|---|---|---|',
    // RSS also shrinks as start-up garbage goes back to the OS; a negative slope means the subscribers' cost is below that noise.
    ...fanout.map(
      (r) =>
        `| ${r.subscribers} | ${r.shared ? 'shared' : 'per viewer'} | ${ms(r.lastDeliveryMs)} | ${r.rssPerSubscriberKiB >= 0 ? `${r.rssPerSubscriberKiB.toFixed(1)} KiB` : `below RSS noise (${r.rssPerSubscriberKiB.toFixed(1)} KiB)`} |`,
    ),
    '',
    '## Refusing hostile documents',
    '',
    "The gateway's pipeline with its default operation limits (`gateway/plugins/operationLimits.ts`, in-process, no HTTP),",
    'each class at about 10 KB and 45 KB (under `MAX_DOCUMENT_LENGTH`, so the content checks do the work), a fresh text',
    'each time so the verdict cache is not what is measured; median of 50 refusals, each checked for its code and limit.',
    'Beside it, what graphql-js alone spends parsing and validating the same document, as a gateway without limits would',
    'before planning (the planner then adds more).',
    '',
    '| document | size | refused with | time to refuse | per KB | graphql-js parse + validate, no limits |',
    '|---|---|---|---|---|---|',
    ...limits.map(
      (r) =>
        `| ${r.name} | ${r.kilobytes.toFixed(1)} KB | ${r.refusedBy} | ${(r.refuseMicros / 1000).toFixed(2)} ms | ${r.refuseMicros / r.kilobytes < 1000 ? `${(r.refuseMicros / r.kilobytes).toFixed(0)} µs` : `${(r.refuseMicros / r.kilobytes / 1000).toFixed(2)} ms`} | ${r.unprotected} |`,
    ),
    '',
    // Marked, so `npm run bench:subscribe` can rewrite this section alone.
    SUBSCRIBE_COST_START,
    subscribeCostSection(subscribeCost, '`npm run bench`'),
    SUBSCRIBE_COST_END,
    '',
    // Marked, so `npm run bench:soak` can rewrite this section alone.
    SUBSCRIPTION_SOAK_START,
    soak
      ? subscriptionSoakSection(soak, '`npm run bench`')
      : [
          '<!-- Written by `npm run bench` and `npm run bench:soak` (bench/subscriptionSoak.ts): edit there, not here. -->',
          '## Subscription soak',
          '',
          'Not measured by this run: it needs `DATABASE_URL` (PostgreSQL) and `NATS_URL` (NATS with JetStream). `npm run bench:soak` runs it alone.',
        ].join('\n'),
    SUBSCRIPTION_SOAK_END,
    '',
    // Marked, so `npm run bench:federation` can rewrite this section alone.
    FEDERATION_START,
    federationSection(federation, '`npm run bench`'),
    FEDERATION_END,
    '',
  ];
  fs.writeFileSync(path.join(root, 'docs', 'benchmarks.md'), `${lines.join('\n')}\n`);
  fs.writeFileSync(path.join(root, 'docs', FEDERATION_CHART), federationChart(federation));
  const eventLagBlock = [
    '<!-- Written by `npm run bench` (bench/run.ts) together with benchmarks.md: edit there, not here. -->',
    `Measured by ${runLine}, the run in [benchmarks.md](benchmarks.md): from a mutation's response until a client polling the`,
    'gateway every 2 ms sees the effect, so each figure includes up to one poll round trip. "saga" is `Order.status` leaving',
    '`PENDING`, "rating" is `Product.rating.count` including a new review (a projection).',
    '',
    ...lagTable,
  ]
    .join('\n')
    .trimEnd();
  fs.writeFileSync(
    eventsFile,
    replaceMarkedBlock(fs.readFileSync(eventsFile, 'utf8'), EVENT_LAG_START, EVENT_LAG_END, eventLagBlock, 'docs/events.md', 'the event-lag table'),
  );
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
