import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import YAML from 'yaml';
import { composeServices } from '@apollo/composition';
import { projectRoot } from '../platform/build/projectRoot';

/**
 * Composes the subgraphs named in `schema/supergraph.yaml` into
 * `schema/supergraph.graphql` with `@apollo/composition`.
 *
 *   node dist/schema/compose.js          writes the supergraph
 *   node dist/schema/compose.js --check  fails when composition fails or the committed file is stale
 */

interface SupergraphConfig {
  subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
}

/** Composes the configured subgraphs; returns the supergraph SDL or the composition errors. */
export function composeSupergraph(configPath: string): { supergraphSdl: string } | { errors: string[] } {
  const config = YAML.parse(fs.readFileSync(configPath, 'utf8')) as SupergraphConfig;
  const services = Object.entries(config.subgraphs).map(([name, subgraph]) => {
    const file = path.resolve(path.dirname(configPath), subgraph.schema.file);
    return { name, url: subgraph.routing_url, typeDefs: parse(fs.readFileSync(file, 'utf8'), { noLocation: false }) };
  });
  const result = composeServices(services);
  if (result.errors) return { errors: result.errors.map((error) => error.message) };
  return { supergraphSdl: `${result.supergraphSdl.trimEnd()}\n` };
}

function main(): void {
  const root = projectRoot(__dirname);
  const configPath = path.join(root, 'schema', 'supergraph.yaml');
  const outputPath = path.join(root, 'schema', 'supergraph.graphql');
  const check = process.argv.includes('--check');
  const result = composeSupergraph(configPath);
  if ('errors' in result) {
    console.error(`Composition failed with ${result.errors.length} error(s):\n${result.errors.map((e) => `  - ${e}`).join('\n')}`);
    process.exit(1);
  }
  if (check) {
    const committed = fs.existsSync(outputPath) ? fs.readFileSync(outputPath, 'utf8') : '';
    if (committed !== result.supergraphSdl) {
      console.error('schema/supergraph.graphql is stale: run `npm run compose` and commit the result.');
      process.exit(1);
    }
    console.log('schema/supergraph.graphql is up to date.');
    return;
  }
  fs.writeFileSync(outputPath, result.supergraphSdl);
  console.log(`Wrote ${path.relative(root, outputPath)}.`);
}

if (require.main === module) main();
