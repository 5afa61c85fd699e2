import { serveBenchSubgraph } from './subgraphServer';
import { benchSubgraphSchema, BENCH_SUBGRAPH_NAMES, type BenchSubgraphName } from './subgraphs';

// One benchmark subgraph as its own process: `node dist/bench/federation/subgraphMain.js <name>`
// with PORT set; it prints `listening <url>` when it serves.
const name = process.argv[2] as BenchSubgraphName;
if (!BENCH_SUBGRAPH_NAMES.includes(name)) {
  console.error(`Usage: subgraphMain.js <${BENCH_SUBGRAPH_NAMES.join('|')}>, got "${process.argv[2] ?? ''}".`);
  process.exit(2);
}
serveBenchSubgraph(benchSubgraphSchema(name), Number(process.env.PORT ?? 0)).then(
  (server) => {
    console.log(`listening ${server.url}`);
    process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
