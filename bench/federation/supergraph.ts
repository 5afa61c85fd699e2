import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';
import { BENCH_SUBGRAPHS, BENCH_SUBGRAPH_NAMES, type BenchSubgraphName } from './subgraphs';

/**
 * Composes the four benchmark subgraphs with `@apollo/composition` into a
 * supergraph whose routing URLs are `urls` (where this run started them).
 * Every gateway of the run serves this same file.
 */
export function composeBenchSupergraph(urls: Readonly<Record<BenchSubgraphName, string>>): string {
  const result = composeServices(BENCH_SUBGRAPH_NAMES.map((name) => ({ name, url: urls[name], typeDefs: parse(BENCH_SUBGRAPHS[name].typeDefs) })));
  if (result.errors) throw new Error(`The benchmark subgraphs do not compose:\n${result.errors.map((error) => `  - ${error.message}`).join('\n')}`);
  return `${result.supergraphSdl.trimEnd()}\n`;
}
