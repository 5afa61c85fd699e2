import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { projectRoot } from '../../platform/build/projectRoot';
import { BENCH_QUERY } from './data';
import { childEnv, freePort, spawnNode, waitUntilServing, type BenchProcess } from './benchProcess';
import { GATEWAY_NAMES, gatewayLaunch, missingPeers, type GatewayName } from './gateways';
import { closedLoop, percentile } from './load';
import { machineBusyMs, treeCpuMs, treeRssKiB } from './processStats';
import { ReferenceChecker, referenceAnswer } from './reference';
import { composeBenchSupergraph } from './supergraph';
import { BENCH_SUBGRAPH_NAMES, type BenchSubgraphName } from './subgraphs';

export interface FederationOptions {
  /** Which gateways, in the first round's order. */
  gateways: readonly GatewayName[];
  /** Measured rounds; each gateway gets one stretch per round, the order rotated each round. */
  rounds: number;
  roundSeconds: number;
  /** Unmeasured load on each gateway before the first round (its JIT, caches and pools warm up). */
  warmupSeconds: number;
  connections: number;
  /** Node flags for the gateways' processes (`--cpu-prof …` when profiling). */
  gatewayNodeFlags?: readonly string[];
  /** Progress lines. Default: none. */
  log?: (line: string) => void;
}

/** One gateway's figures over all its rounds. */
export interface GatewayMeasurement {
  name: GatewayName;
  label: string;
  requests: number;
  /** Requests over seconds under load, all rounds together. */
  rps: number;
  /** Each round's own throughput, in the order measured. */
  roundRps: number[];
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** The gateway process's user + system CPU time over its rounds, per request. */
  cpuMsPerRequest: number;
  /** The gateway process's resident memory at the end of its last round. */
  rssMiB: number;
  /** The four subgraph processes' CPU time over the gateway's rounds, per request. */
  subgraphCpuMsPerRequest: number;
  /** Requests the subgraphs answered over the gateway's rounds, per request. */
  subgraphRequestsPerOperation: number;
  /**
   * CPU the machine spent outside this benchmark's processes (load generator,
   * subgraphs, gateways) during the gateway's rounds, as a share of all its
   * cores' time: other work that competed with the measurement.
   */
  otherLoad: number;
  /** Wrong or failed responses, warm-up included. */
  failures: number;
  firstFailure?: string;
}

export interface FederationResult {
  options: Omit<FederationOptions, 'log' | 'gatewayNodeFlags'>;
  /** Bytes of the reference answer, as JSON. */
  responseBytes: number;
  /** The 1-minute load average before the run started. */
  loadAverageBefore: number;
  /** CPU the machine spent outside this benchmark's processes over all rounds, as a share of all its cores' time. */
  otherLoad: number;
  gateways: GatewayMeasurement[];
}

interface Stretch {
  requests: number;
  seconds: number;
  latenciesMs: number[];
  cpuMs: number;
  subgraphCpuMs: number;
  subgraphRequests: number;
  rssKiB: number;
  /** Machine CPU time outside the benchmark's processes, in ms. */
  otherCpuMs: number;
}

/**
 * The federation benchmark: the four subgraphs (each its own process), the
 * supergraph composed from them, every gateway in `options.gateways` started
 * at once (each its own process, on the same supergraph file), then
 * closed-loop load on one gateway at a time: a warm-up each, then
 * `rounds` rounds in rotated order, so drift of the machine's load falls on
 * every gateway alike. Every response is checked against the reference
 * answer built from the static data.
 */
export async function measureFederation(options: FederationOptions): Promise<FederationResult> {
  const log = options.log ?? (() => undefined);
  const missing = missingPeers(options.gateways);
  if (missing) throw new Error(missing);
  const root = projectRoot(__dirname);
  const loadAverageBefore = os.loadavg()[0]!;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-federation-'));
  const processes: BenchProcess[] = [];
  try {
    const subgraphs = {} as Record<BenchSubgraphName, { proc: BenchProcess; url: string }>;
    for (const name of BENCH_SUBGRAPH_NAMES) {
      const port = await freePort();
      const proc = spawnNode(`subgraph ${name}`, [path.join(root, 'dist', 'bench', 'federation', 'subgraphMain.js'), name], {
        env: childEnv({ PORT: String(port) }),
        cwd: root,
      });
      processes.push(proc);
      subgraphs[name] = { proc, url: `http://127.0.0.1:${port}/graphql` };
    }
    for (const name of BENCH_SUBGRAPH_NAMES) await waitUntilServing(subgraphs[name].proc, subgraphs[name].url.replace(/graphql$/, 'stats'), false);
    const supergraphPath = path.join(workDir, 'supergraph.graphql');
    fs.writeFileSync(
      supergraphPath,
      composeBenchSupergraph(Object.fromEntries(BENCH_SUBGRAPH_NAMES.map((name) => [name, subgraphs[name].url])) as Record<BenchSubgraphName, string>),
    );
    const subgraphPids = BENCH_SUBGRAPH_NAMES.map((name) => subgraphs[name].proc.pid);
    const subgraphRequests = async () => {
      let total = 0;
      for (const name of BENCH_SUBGRAPH_NAMES) {
        const response = await request(subgraphs[name].url.replace(/graphql$/, 'stats'));
        total += ((await response.body.json()) as { requests: number }).requests;
      }
      return total;
    };

    // Started one after another: start-up is CPU-heavy and would slow the others'.
    const gateways: Array<{ name: GatewayName; label: string; proc: BenchProcess; url: string }> = [];
    for (const name of options.gateways) {
      const port = await freePort();
      const launch = gatewayLaunch(name, supergraphPath, port, options.gatewayNodeFlags);
      const proc = spawnNode(name, launch.args, { env: childEnv(launch.env), cwd: launch.cwd });
      processes.push(proc);
      const url = `http://127.0.0.1:${port}/graphql`;
      await waitUntilServing(proc, url, true);
      log(`started ${launch.label} (pid ${proc.pid}) at ${url}`);
      gateways.push({ name, label: launch.label, proc, url });
    }

    const reference = new ReferenceChecker();
    const body = JSON.stringify({ query: BENCH_QUERY, operationName: 'TestQuery' });
    const failures = new Map<GatewayName, { count: number; first?: string }>(options.gateways.map((name) => [name, { count: 0 }]));
    const stretches = new Map<GatewayName, Stretch[]>(options.gateways.map((name) => [name, []]));
    const allPids = processes.map((proc) => proc.pid);
    // This process (the load generator) and every child of it.
    const benchCpuMs = () => {
      const own = process.cpuUsage();
      return treeCpuMs(allPids) + (own.user + own.system) / 1000;
    };
    const load = async (gateway: (typeof gateways)[number], seconds: number): Promise<Stretch> => {
      const machineBefore = machineBusyMs();
      const benchBefore = benchCpuMs();
      const cpuBefore = treeCpuMs([gateway.proc.pid]);
      const subgraphCpuBefore = treeCpuMs(subgraphPids);
      const requestsBefore = await subgraphRequests();
      const result = await closedLoop({
        url: gateway.url,
        body,
        connections: options.connections,
        durationMs: seconds * 1000,
        check: (status, text) => reference.check(status, text),
      });
      const stretch: Stretch = {
        requests: result.requests,
        seconds: result.seconds,
        latenciesMs: result.latenciesMs,
        cpuMs: treeCpuMs([gateway.proc.pid]) - cpuBefore,
        subgraphCpuMs: treeCpuMs(subgraphPids) - subgraphCpuBefore,
        subgraphRequests: (await subgraphRequests()) - requestsBefore,
        rssKiB: treeRssKiB([gateway.proc.pid]),
        otherCpuMs: Math.max(0, machineBusyMs() - machineBefore - (benchCpuMs() - benchBefore)),
      };
      const failed = failures.get(gateway.name)!;
      failed.count += result.failures;
      failed.first ??= result.firstFailure;
      if (gateway.proc.exitedWith() !== null) throw new Error(`${gateway.label} exited (${gateway.proc.exitedWith()}) under load:\n${gateway.proc.tail()}`);
      return stretch;
    };

    for (const gateway of gateways) {
      const warm = await load(gateway, options.warmupSeconds);
      log(`warm-up ${gateway.name}: ${(warm.requests / warm.seconds).toFixed(1)} RPS`);
    }
    for (let round = 0; round < options.rounds; round += 1) {
      const order = gateways.map((_, i) => gateways[(i + round) % gateways.length]!);
      for (const gateway of order) {
        const stretch = await load(gateway, options.roundSeconds);
        stretches.get(gateway.name)!.push(stretch);
        log(
          `round ${round + 1}/${options.rounds} ${gateway.name}: ${(stretch.requests / stretch.seconds).toFixed(1)} RPS, ${(stretch.cpuMs / stretch.requests).toFixed(2)} CPU-ms/req, failures so far ${failures.get(gateway.name)!.count}`,
        );
      }
    }

    return {
      options: {
        gateways: options.gateways,
        rounds: options.rounds,
        roundSeconds: options.roundSeconds,
        warmupSeconds: options.warmupSeconds,
        connections: options.connections,
      },
      responseBytes: Buffer.byteLength(JSON.stringify(referenceAnswer())),
      loadAverageBefore,
      otherLoad: otherLoadOf([...stretches.values()].flat()),
      gateways: gateways.map((gateway) => summarise(gateway.name, gateway.label, stretches.get(gateway.name)!, failures.get(gateway.name)!)),
    };
  } finally {
    // Gateways first (their profiles are written on exit), then the subgraphs.
    for (const proc of processes.reverse()) await proc.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/** The share of the machine's cores busy outside the benchmark over `stretches`. */
function otherLoadOf(stretches: readonly Stretch[]): number {
  const seconds = stretches.reduce((total, s) => total + s.seconds, 0);
  return stretches.reduce((total, s) => total + s.otherCpuMs, 0) / (seconds * 1000 * os.cpus().length);
}

function summarise(name: GatewayName, label: string, stretches: Stretch[], failed: { count: number; first?: string }): GatewayMeasurement {
  const sum = (pick: (s: Stretch) => number) => stretches.reduce((total, s) => total + pick(s), 0);
  const requests = sum((s) => s.requests);
  const latencies = stretches.flatMap((s) => s.latenciesMs).sort((a, b) => a - b);
  return {
    name,
    label,
    requests,
    rps: requests / sum((s) => s.seconds),
    roundRps: stretches.map((s) => s.requests / s.seconds),
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    p99Ms: percentile(latencies, 99),
    cpuMsPerRequest: sum((s) => s.cpuMs) / requests,
    rssMiB: (stretches.at(-1)?.rssKiB ?? 0) / 1024,
    subgraphCpuMsPerRequest: sum((s) => s.subgraphCpuMs) / requests,
    subgraphRequestsPerOperation: sum((s) => s.subgraphRequests) / requests,
    otherLoad: otherLoadOf(stretches),
    failures: failed.count,
    ...(failed.first !== undefined ? { firstFailure: failed.first } : {}),
  };
}

/** Reads a positive whole number `name` from `env`, or `fallback`. */
function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (!/^[1-9]\d*$/.test(value)) throw new Error(`${name} must be a positive whole number, got "${value}".`);
  return Number(value);
}

/**
 * The run's settings: `BENCH_GATEWAYS` (comma-separated, default
 * `ours,apollo,hive`), `BENCH_ROUNDS` (3), `BENCH_ROUND_SECONDS` (10),
 * `BENCH_WARMUP_SECONDS` (5), `BENCH_CONNECTIONS` (50).
 */
export function readFederationOptions(env: NodeJS.ProcessEnv): Omit<FederationOptions, 'log' | 'gatewayNodeFlags'> {
  const gateways = (env.BENCH_GATEWAYS?.trim() || GATEWAY_NAMES.join(','))
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of gateways)
    if (!(GATEWAY_NAMES as readonly string[]).includes(name))
      throw new Error(`BENCH_GATEWAYS names gateways among ${GATEWAY_NAMES.join(', ')}; "${name}" is none of them.`);
  return {
    gateways: [...new Set(gateways)] as GatewayName[],
    rounds: positiveInt(env, 'BENCH_ROUNDS', 3),
    roundSeconds: positiveInt(env, 'BENCH_ROUND_SECONDS', 10),
    warmupSeconds: positiveInt(env, 'BENCH_WARMUP_SECONDS', 5),
    connections: positiveInt(env, 'BENCH_CONNECTIONS', 50),
  };
}
