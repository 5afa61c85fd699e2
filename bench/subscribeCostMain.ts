import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../platform/build/projectRoot';
import { replaceMarkedBlock } from './markedBlock';
import { formatProfileSummary, summariseProfiles } from './federation/profileSummary';
import { SUBSCRIBE_COST_END, SUBSCRIBE_COST_START, measureSubscribeCost, subscribeCostSection } from './subscribeCost';

/**
 * `npm run bench:subscribe`: the subscribe-cost benchmark alone. Rewrites only
 * its block of docs/benchmarks.md; the rest of the file stays.
 *
 * `npm run bench:subscribe -- --profile [dir]`: the same burst with the
 * stack under `node --cpu-prof`; prints the top functions and packages by
 * self time during the burst alone and leaves the profile in `dir` (default:
 * a new temporary folder). Writes no docs: a profiled stack is slower.
 *
 * `SUBSCRIBE_BENCH_SOCKETS` (1000) and `SUBSCRIBE_BENCH_PER_SOCKET` (10) size
 * the burst; `SUBSCRIBE_BENCH_TRACE=1` prints the stack's CPU every 250 ms
 * and every slow ping.
 */
async function main(): Promise<void> {
  const root = projectRoot(__dirname);
  const log = (line: string) => console.log(line);
  const sockets = process.env.SUBSCRIBE_BENCH_SOCKETS ? Number(process.env.SUBSCRIBE_BENCH_SOCKETS) : undefined;
  const perSocket = process.env.SUBSCRIBE_BENCH_PER_SOCKET ? Number(process.env.SUBSCRIBE_BENCH_PER_SOCKET) : undefined;
  const profileAt = process.argv.indexOf('--profile');
  if (profileAt >= 0) {
    const dir = path.resolve(process.argv[profileAt + 1] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-subscribe-profile-')));
    fs.mkdirSync(dir, { recursive: true });
    const result = await measureSubscribeCost({ sockets, perSocket, log, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
    console.log(subscribeCostSection(result, 'a profiled run'));
    const [main] = summariseProfiles(dir, result.window).sort((a, b) => b.summary.busyMs - a.summary.busyMs);
    if (!main) throw new Error(`No .cpuprofile was written to ${dir}.`);
    console.log(`\nthe stack during the burst, ${path.join(dir, main.file)}:\n${formatProfileSummary(main.summary, 25)}`);
    return;
  }
  const docs = path.join(root, 'docs', 'benchmarks.md');
  // Fail before measuring, not after, when the file lost its markers.
  replaceMarkedBlock(fs.readFileSync(docs, 'utf8'), SUBSCRIBE_COST_START, SUBSCRIBE_COST_END, '', 'docs/benchmarks.md', 'the subscribe-cost benchmark');
  const result = await measureSubscribeCost({ sockets, perSocket, log });
  const section = subscribeCostSection(result, '`npm run bench:subscribe`');
  fs.writeFileSync(
    docs,
    replaceMarkedBlock(fs.readFileSync(docs, 'utf8'), SUBSCRIBE_COST_START, SUBSCRIBE_COST_END, section, 'docs/benchmarks.md', 'the subscribe-cost benchmark'),
  );
  console.log(`\n${section}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
