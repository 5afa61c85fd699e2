import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../platform/build/projectRoot';
import { replaceMarkedBlock } from '../markedBlock';
import { measureFederation, readFederationOptions } from './measureFederation';
import { formatProfileSummary, summariseProfiles } from './profileSummary';
import { FEDERATION_CHART, FEDERATION_END, FEDERATION_START, federationChart, federationSection } from './report';

/**
 * `npm run bench:federation`: the federation benchmark alone. Rewrites only
 * its block of docs/benchmarks.md and its chart; the rest of the file stays.
 *
 * `npm run bench:federation -- --profile [dir]`: our gateway alone under the
 * same load with `node --cpu-prof`; prints the top functions and packages by
 * self time and leaves the profile in `dir` (default: a new temporary
 * folder). Writes no docs: a profiled gateway is slower.
 */
async function main(): Promise<void> {
  const root = projectRoot(__dirname);
  const options = readFederationOptions(process.env);
  const log = (line: string) => console.log(line);
  const profileAt = process.argv.indexOf('--profile');
  if (profileAt >= 0) {
    const dir = path.resolve(process.argv[profileAt + 1] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-federation-profile-')));
    fs.mkdirSync(dir, { recursive: true });
    await measureFederation({ ...options, gateways: ['ours'], rounds: 1, log, gatewayNodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
    // The main thread's profile is the largest; worker threads (if any) get their own files.
    const [main] = summariseProfiles(dir).sort((a, b) => b.summary.busyMs - a.summary.busyMs);
    if (!main) throw new Error(`No .cpuprofile was written to ${dir}.`);
    console.log(`\nour gateway under load, ${path.join(dir, main.file)}:\n${formatProfileSummary(main.summary, 15)}`);
    return;
  }
  const docs = path.join(root, 'docs', 'benchmarks.md');
  // Fail before measuring, not after, when the file lost its markers.
  replaceMarkedBlock(fs.readFileSync(docs, 'utf8'), FEDERATION_START, FEDERATION_END, '', 'docs/benchmarks.md', 'the federation benchmark');
  const result = await measureFederation({ ...options, log });
  const section = federationSection(result, '`npm run bench:federation`');
  fs.writeFileSync(
    docs,
    replaceMarkedBlock(fs.readFileSync(docs, 'utf8'), FEDERATION_START, FEDERATION_END, section, 'docs/benchmarks.md', 'the federation benchmark'),
  );
  fs.writeFileSync(path.join(root, 'docs', FEDERATION_CHART), federationChart(result));
  console.log(`\n${section}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
