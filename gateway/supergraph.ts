import fs from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';

/** A composed supergraph read from a file: its SDL and each subgraph's routing URL. */
export interface LoadedSupergraph {
  sdl: string;
  /** The supergraph built from `sdl`, once, for whoever plans over it. */
  supergraph: Supergraph;
  /** Subgraph name (as in `schema/supergraph.yaml`) to routing URL. */
  subgraphUrls: Record<string, string>;
}

/** Reads and validates a composed supergraph; throws naming the path when it is missing or not a supergraph. */
export function loadSupergraph(filePath: string): LoadedSupergraph {
  if (!fs.existsSync(filePath)) throw new Error(`No supergraph at ${filePath}: run \`npm run compose\` or set SUPERGRAPH_PATH.`);
  const sdl = fs.readFileSync(filePath, 'utf8');
  let supergraph: Supergraph;
  try {
    supergraph = Supergraph.build(sdl);
  } catch (error) {
    throw new Error(`${filePath} is not a valid composed supergraph: ${(error as Error).message}`);
  }
  const subgraphUrls: Record<string, string> = {};
  for (const { name, url } of supergraph.subgraphsMetadata()) subgraphUrls[name] = url;
  return { sdl, supergraph, subgraphUrls };
}
