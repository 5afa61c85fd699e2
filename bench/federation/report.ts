import os from 'node:os';
import type { FederationResult, GatewayMeasurement } from './measureFederation';
import type { GatewayName } from './gateways';

/** Marks the block of docs/benchmarks.md that the federation benchmark rewrites. */
export const FEDERATION_START = '<!-- bench:federation:start -->';
export const FEDERATION_END = '<!-- bench:federation:end -->';

/** The chart's file, in docs/ beside benchmarks.md. */
export const FEDERATION_CHART = 'benchmarks-federation.svg';

const COLOURS: Record<GatewayName, string> = { ours: '#2563eb', 'ours-nodedup': '#93c5fd', apollo: '#6b7280', hive: '#d97706' };

const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const percent = (share: number) => `${Number.isFinite(share) ? Math.round(share * 100) : 'n/a'}%`;
const ratio = (n: number, base: number | undefined) => (base && Number.isFinite(n) && Number.isFinite(base) ? `${(n / base).toFixed(2)}×` : 'n/a');

function status(g: GatewayMeasurement): string {
  return g.failures ? `**FAILED**: ${g.failures} wrong (first: ${g.firstFailure?.replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 200)})` : 'all correct';
}

/** The issue's bar for our gateway (issue 11, item 8), checked against this run. */
function issueCheck(result: FederationResult): string[] {
  const by = new Map(result.gateways.map((g) => [g.name, g]));
  const ours = by.get('ours');
  const apollo = by.get('apollo');
  const hive = by.get('hive');
  if (!ours || !apollo || !hive) return ['The bar of issue 11 was not checked: this run left out a gateway.'];
  const mark = (ok: boolean) => (ok ? 'met' : '**not met**');
  const correct = result.gateways.every((g) => g.failures === 0);
  return [
    'Against the bar of issue 11 (item 8), in this run:',
    '',
    `- throughput at least 2× plain @apollo/gateway's: ${mark(ours.rps >= 2 * apollo.rps)} (${ratio(ours.rps, apollo.rps)})`,
    `- throughput at least Hive Gateway --jit's: ${mark(ours.rps >= hive.rps)} (${ratio(ours.rps, hive.rps)})`,
    `- CPU-ms per request at most 0.6× @apollo/gateway's: ${mark(ours.cpuMsPerRequest <= 0.6 * apollo.cpuMsPerRequest)} (${ratio(ours.cpuMsPerRequest, apollo.cpuMsPerRequest)})`,
    `- every body correct, every gateway: ${mark(correct)}`,
  ];
}

/** The markdown of the federation section, markers excluded; `runBy` names the command that measured it. */
export function federationSection(result: FederationResult, runBy: string, date = new Date()): string {
  const { options } = result;
  const apollo = result.gateways.find((g) => g.name === 'apollo');
  const lines = [
    '## Federation: our gateway beside @apollo/gateway and Hive Gateway',
    '',
    '<!-- Written by `npm run bench` and `npm run bench:federation` (bench/federation/report.ts): edit there, not here. -->',
    "The standard federation benchmark (the workload of Apollo's federation demo and the Guild's gateway benchmark): four subgraphs",
    '(`accounts`, `products`, `inventory` with `shippingEstimate @requires(fields: "price weight")`, `reviews` with',
    '`author @provides(fields: "username")`), each its own process serving static data with `@apollo/subgraph` and graphql-js on',
    '`node:http` ([bench/federation/subgraphs.ts](../bench/federation/subgraphs.ts)), composed with `@apollo/composition` at the start',
    `of the run, and the nested \`users\`/\`topProducts\` query ([bench/federation/data.ts](../bench/federation/data.ts)), whose answer is ${(result.responseBytes / 1024).toFixed(1)} KiB.`,
    '',
    'The gateways, each its own process on the same supergraph, all started in the same run with NODE_ENV=production:',
    '',
    '- **ours**: `startGateway` from the product (persisted operations `apq`, operation limits, demand control, authorization,',
    '  identity signing of every subgraph request, the access log at `info`: all defaults) with three changes for the load',
    '  ([bench/federation/ourGateway.ts](../bench/federation/ourGateway.ts)): anonymous callers only, a rate-limit budget out of',
    "  reach, and demand control's maximum above this query's estimate (24 420 with the default list size of 10);",
    '- **ours, `SUBGRAPH_DEDUP=false`**: the same without in-flight deduplication of identical subgraph fetches (on by default,',
    '  as in Hive Gateway): 50 clients sending one query share most fetches, so this row shows the transport and executor alone;',
    "- **@apollo/gateway**: plain `ApolloGateway` in `@apollo/server`'s standalone server, every option its default (its default fetcher included);",
    '- **Hive Gateway**: `hive-gateway supergraph <file> --jit`, every other option its default (upstream request deduplication included).',
    '  Its 2.x dependencies ask for Node ≥ 22.15: on Node 20 npm warns (EBADENGINE), and it runs and answers correctly.',
    '',
    `Load: closed loop, ${options.connections} keep-alive connections (undici), one gateway at a time: ${options.warmupSeconds} s of warm-up each, then`,
    `${options.rounds} round${options.rounds === 1 ? '' : 's'} of ${options.roundSeconds} s each, the order rotated every round. Every response body is compared with the answer built`,
    'from the static data alone ([bench/federation/reference.ts](../bench/federation/reference.ts)); a gateway with any wrong or failed',
    "response is marked FAILED. RPS is all rounds' requests over their time; latencies are over all rounds' requests; CPU is the",
    "gateway process's user + system time (`/proc/<pid>/stat`, GC and libuv threads included) over its rounds, per request; RSS is at",
    'the end of its last round. Subgraph fetches and subgraph CPU are what the four subgraph processes did per gateway request;',
    '"other work" is the CPU the machine spent outside the benchmark\'s processes during that gateway\'s rounds, as a share of all cores.',
    '',
    "Run it with `npm run bench:install` once (the peer gateways live in `bench/peers/package.json`, apart from the product's dependencies),",
    'then `npm run bench:federation` (this section only) or `npm run bench` (every section). `BENCH_ROUNDS`, `BENCH_ROUND_SECONDS`,',
    '`BENCH_WARMUP_SECONDS`, `BENCH_CONNECTIONS` and `BENCH_GATEWAYS` (e.g. `ours,apollo`) change the run;',
    '`npm run bench:federation -- --profile` records a CPU profile of our gateway under the same load and prints where its time goes.',
    '',
    `**Caveat**: the load generator, the four subgraphs and the gateway under load share this machine's ${os.cpus().length} cores, so a gateway's`,
    'throughput is bounded by what the others leave it; CPU-ms per request is the steadier figure. Other work may run on the',
    'machine during a run: compare gateways within one run, not across runs.',
    '',
    `Measured by ${runBy} on ${date.toISOString().slice(0, 10)} (${os.cpus().length} cores, Node ${process.version}, 1-minute load average ${result.loadAverageBefore.toFixed(2)} before the run).`,
    '',
    `Other work used ${percent(result.otherLoad)} of the machine's CPU during the rounds (its time outside this benchmark's processes, from \`/proc/stat\`).`,
    '',
    '| gateway | RPS | RPS per round | p50 | p95 | p99 | CPU-ms / req | RSS | subgraph fetches / req | subgraph CPU-ms / req | other work | bodies |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...result.gateways.map(
      (g) =>
        `| ${g.label} | ${fixed(g.rps, 1)} | ${g.roundRps.map((r) => fixed(r, 1)).join(', ')} | ${fixed(g.p50Ms, 0)} ms | ${fixed(g.p95Ms, 0)} ms | ${fixed(g.p99Ms, 0)} ms | ${fixed(g.cpuMsPerRequest, 2)} | ${fixed(g.rssMiB, 0)} MiB | ${fixed(g.subgraphRequestsPerOperation, 2)} | ${fixed(g.subgraphCpuMsPerRequest, 2)} | ${percent(g.otherLoad)} | ${status(g)} |`,
    ),
    '',
    ...(apollo
      ? [
          'Relative to plain @apollo/gateway (RPS: higher is better; the others: lower is better):',
          '',
          '| gateway | RPS | p50 | p99 | CPU-ms / req | RSS |',
          '|---|---|---|---|---|---|',
          ...result.gateways.map(
            (g) =>
              `| ${g.label} | ${ratio(g.rps, apollo.rps)} | ${ratio(g.p50Ms, apollo.p50Ms)} | ${ratio(g.p99Ms, apollo.p99Ms)} | ${ratio(g.cpuMsPerRequest, apollo.cpuMsPerRequest)} | ${ratio(g.rssMiB, apollo.rssMiB)} |`,
          ),
          '',
        ]
      : []),
    ...issueCheck(result),
    '',
    `![Throughput, p99 latency, CPU per request and RSS of each gateway](${FEDERATION_CHART})`,
  ];
  return lines.join('\n');
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A bar chart of the run as SVG: four panels (RPS, p99, CPU-ms per request,
 * RSS), one bar per gateway, each labelled with its value and its ratio to
 * plain @apollo/gateway.
 */
export function federationChart(result: FederationResult): string {
  const panels: Array<{ title: string; unit: string; pick: (g: GatewayMeasurement) => number; digits: number }> = [
    { title: 'Throughput (higher is better)', unit: 'RPS', pick: (g) => g.rps, digits: 1 },
    { title: 'p99 latency (lower is better)', unit: 'ms', pick: (g) => g.p99Ms, digits: 0 },
    { title: 'CPU per request (lower is better)', unit: 'ms', pick: (g) => g.cpuMsPerRequest, digits: 1 },
    { title: 'RSS (lower is better)', unit: 'MiB', pick: (g) => g.rssMiB, digits: 0 },
  ];
  const gateways = result.gateways;
  const apollo = gateways.find((g) => g.name === 'apollo');
  const panelWidth = 340;
  const barHeight = 22;
  const labelWidth = 60;
  const top = 56;
  const panelHeight = 34 + gateways.length * (barHeight + 8);
  const width = 20 + 2 * panelWidth + 20;
  const height = top + 2 * panelHeight + 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="20" y="24" font-size="15" font-weight="600">Federation benchmark: ${result.options.connections} connections, ${result.options.rounds} × ${result.options.roundSeconds} s per gateway</text>`,
    `<text x="20" y="42" font-size="11" fill="#4b5563">${escapeXml(gateways.map((g) => `${g.name} = ${g.label}${g.failures ? ' (FAILED: wrong bodies)' : ''}`).join('; '))}</text>`,
  ];
  panels.forEach((panel, index) => {
    const x0 = 20 + (index % 2) * panelWidth;
    const y0 = top + Math.floor(index / 2) * panelHeight;
    const values = gateways.map(panel.pick);
    const max = Math.max(...values.filter(Number.isFinite), 1e-9);
    // Room is left right of the longest bar for its value and ratio.
    const barSpace = panelWidth - labelWidth - 130;
    parts.push(`<text x="${x0}" y="${y0 + 14}" font-weight="600">${escapeXml(panel.title)}</text>`);
    gateways.forEach((g, i) => {
      const value = values[i]!;
      const y = y0 + 26 + i * (barHeight + 8);
      const w = Number.isFinite(value) ? Math.max(1, (value / max) * barSpace) : 0;
      const base = apollo ? panel.pick(apollo) : NaN;
      parts.push(
        `<text x="${x0}" y="${y + 15}">${escapeXml(g.name)}</text>`,
        `<rect x="${x0 + labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${COLOURS[g.name]}"/>`,
        `<text x="${(x0 + labelWidth + w + 6).toFixed(1)}" y="${y + 15}">${fixed(value, panel.digits)} ${panel.unit}${apollo && g !== apollo ? ` (${ratio(value, base)})` : ''}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
