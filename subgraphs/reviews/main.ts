import { runSubgraphProcess } from '../../platform/runSubgraphProcess';
import { runMain } from '../../platform/process/runMain';

// Composition root of the reviews subgraph run as its own process (default port 4005).
runMain('reviews', () => runSubgraphProcess(process.env, 'reviews', 4005, (deps) => (require('./subgraph') as typeof import('./subgraph')).reviewsSubgraph(deps)));
