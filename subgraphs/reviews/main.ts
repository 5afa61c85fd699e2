import { runSubgraphProcess } from '../../platform/runSubgraphProcess';
import { reviewsSubgraph } from './subgraph';

// Composition root of the reviews subgraph run as its own process (default port 4005).
runSubgraphProcess(process.env, 'reviews', 4005, (deps) => reviewsSubgraph(deps)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
