import fs from 'node:fs';
import path from 'node:path';

// Summarises a V8 CPU profile (`node --cpu-prof`): where the self time went,
// by function and by package.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One line of a summary: a function or a package, with its self time. */
export interface SelfTime {
  name: string;
  ms: number;
  /** Share of the profile's time spent outside `(idle)`. */
  share: number;
}

export interface ProfileSummary {
  /** Time sampled outside `(idle)`, in ms. */
  busyMs: number;
  functions: SelfTime[];
  packages: SelfTime[];
}

/**
 * Where a script lives: the package of a `node_modules` path (scoped names
 * whole), `node:` for Node's own modules, `(project)` for everything else on
 * disk; V8's pseudo-frames (`(garbage collector)`, `(program)`) stand alone.
 */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node:';
  const file = url.replace(/^file:\/\//, '');
  const at = file.lastIndexOf('/node_modules/');
  if (at < 0) return '(project)';
  const parts = file.slice(at + '/node_modules/'.length).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/**
 * The self time of every function and every package in `profile`, largest
 * first; with `window`, of the samples taken within it only (in the
 * profile's clock, CLOCK_MONOTONIC µs: `process.hrtime.bigint() / 1000n` in
 * any process on the machine).
 */
export function summariseProfile(profile: CpuProfile, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<number, number>();
  let at = profile.startTime;
  // A sample's time is the delta to the next sample, as Chrome DevTools counts it.
  for (let i = 0; i < profile.samples.length; i += 1) {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const delta = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    selfMs.set(profile.samples[i]!, (selfMs.get(profile.samples[i]!) ?? 0) + delta);
  }
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let busyMs = 0;
  for (const [id, ms] of selfMs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    busyMs += ms;
    const pkg = packageOf(url, functionName);
    const where = url
      ? `${pkg === '(project)' || pkg === 'node:' ? url.replace(/^file:\/\//, '').replace(/^.*\/(dist|bench)\//, '$1/') : path.basename(url)}:${lineNumber + 1}`
      : '';
    const name = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}${pkg.startsWith('(') || pkg === 'node:' ? '' : ` [${pkg}]`}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
    packages.set(pkg, (packages.get(pkg) ?? 0) + ms);
  }
  const ranked = (totals: Map<string, number>) => [...totals].map(([name, ms]) => ({ name, ms, share: ms / busyMs })).sort((a, b) => b.ms - a.ms);
  return { busyMs, functions: ranked(functions), packages: ranked(packages) };
}

/** Reads every `.cpuprofile` in `dir` and summarises each. */
export function summariseProfiles(dir: string, window?: { fromUs: number; toUs: number }): Array<{ file: string; summary: ProfileSummary }> {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.cpuprofile'))
    .map((file) => ({ file, summary: summariseProfile(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile, window) }));
}

/** A summary as text: the top `count` functions and packages by self time. */
export function formatProfileSummary(summary: ProfileSummary, count = 10): string {
  const line = (entry: SelfTime) => `  ${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.ms.toFixed(0).padStart(7)} ms  ${entry.name}`;
  return [
    `busy ${(summary.busyMs / 1000).toFixed(1)} s sampled`,
    `top ${count} functions by self time:`,
    ...summary.functions.slice(0, count).map(line),
    `top ${count} packages by self time:`,
    ...summary.packages.slice(0, count).map(line),
  ].join('\n');
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('Usage: node dist/bench/federation/profileSummary.js <directory of .cpuprofile files>');
    process.exit(2);
  }
  for (const { file, summary } of summariseProfiles(dir)) console.log(`${file}\n${formatProfileSummary(summary, Number(process.argv[3] ?? 10))}\n`);
}
