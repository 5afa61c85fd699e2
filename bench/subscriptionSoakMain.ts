import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../platform/build/projectRoot';
import { replaceMarkedBlock } from './markedBlock';
import { SUBSCRIPTION_SOAK_END, SUBSCRIPTION_SOAK_START, measureSubscriptionSoak, readSoakOptions, subscriptionSoakSection } from './subscriptionSoak';

/**
 * `npm run bench:soak`: the subscription soak alone (DATABASE_URL and
 * NATS_URL required). Rewrites only its block of docs/benchmarks.md.
 * `SOAK_SUBSCRIPTIONS`, `SOAK_SOCKETS`, `SOAK_USERS` and `SOAK_HOLD_SECONDS`
 * size it; `--no-write` prints the section without touching the docs.
 */
async function main(): Promise<void> {
  const options = readSoakOptions(process.env);
  if (!options) throw new Error('npm run bench:soak needs DATABASE_URL (PostgreSQL) and NATS_URL (NATS with JetStream).');
  const write = !process.argv.includes('--no-write');
  const docs = path.join(projectRoot(__dirname), 'docs', 'benchmarks.md');
  // Fail before measuring, not after, when the file lost its markers.
  if (write)
    replaceMarkedBlock(fs.readFileSync(docs, 'utf8'), SUBSCRIPTION_SOAK_START, SUBSCRIPTION_SOAK_END, '', 'docs/benchmarks.md', 'the subscription soak');
  const result = await measureSubscriptionSoak({ ...options, log: (line) => console.log(line) });
  const section = subscriptionSoakSection(result, '`npm run bench:soak`');
  if (write)
    fs.writeFileSync(
      docs,
      replaceMarkedBlock(fs.readFileSync(docs, 'utf8'), SUBSCRIPTION_SOAK_START, SUBSCRIPTION_SOAK_END, section, 'docs/benchmarks.md', 'the subscription soak'),
    );
  if (result.warnings.length) console.log(`\nwarnings and errors the processes logged (first ${result.warnings.length}):\n${result.warnings.join('\n')}`);
  console.log(`\n${section}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
