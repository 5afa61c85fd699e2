import { startBenchGateway } from './ourGateway';

// Our gateway for the federation benchmark as its own process, so it is measured alone:
// `node dist/bench/federation/ourGatewayMain.js` with SUPERGRAPH_PATH and PORT (LOG_LEVEL optional).
// SIGTERM closes it and exits normally, so `node --cpu-prof` writes its profile.
const supergraphPath = process.env.SUPERGRAPH_PATH;
if (!supergraphPath) {
  console.error('SUPERGRAPH_PATH must name the composed benchmark supergraph.');
  process.exit(2);
}
startBenchGateway({
  supergraphPath,
  port: Number(process.env.PORT ?? 0),
  logLevel: process.env.LOG_LEVEL || undefined,
  dedup: process.env.SUBGRAPH_DEDUP !== 'false',
}).then(
  (gateway) => {
    console.error(`listening ${gateway.url}`);
    process.once('SIGTERM', () => void gateway.close().then(() => process.exit(0)));
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
