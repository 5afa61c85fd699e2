import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { addTypenameToDocument, print } from '@apollo/client/utilities';
import { sha256Hex, type ManifestOperation, type PersistedQueryManifest } from '../gateway/plugins/persistedOperations';
import { projectRoot } from '../platform/build/projectRoot';

/**
 * Builds the persisted query manifest (Apollo's format) of the operations in
 * `schema/operations/*.graphql`, one named operation per file (with the
 * fragments it uses), into `schema/persisted-operations.json`: what the
 * gateway runs with `PERSISTED_OPERATIONS=safelist`.
 *
 *   npm run persisted:manifest            writes the manifest
 *   npm run persisted:manifest -- --check fails when the committed manifest is stale
 *
 * Each `body` is the text Apollo Client sends for the operation (its
 * document with `__typename` added to every selection set but the root,
 * printed), and `id` its SHA-256: the hash Apollo Client's persisted query
 * link sends. Another client must send that exact text, or its hash.
 */

/** The manifest of every `*.graphql` file in `folder`, sorted by operation name; throws naming a file that holds not exactly one named operation. */
export function buildPersistedManifest(folder: string): PersistedQueryManifest {
  const operations: ManifestOperation[] = [];
  for (const file of fs.readdirSync(folder).filter((name) => name.endsWith('.graphql'))) {
    const document = parse(fs.readFileSync(path.join(folder, file), 'utf8'));
    const definitions = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
    const [definition] = definitions;
    if (definitions.length !== 1 || !definition?.name)
      throw new Error(
        `${file} must hold exactly one named operation, and it holds ${definitions.length} (${definitions.map((d) => d.name?.value ?? 'anonymous').join(', ')}).`,
      );
    const body = print(addTypenameToDocument(document));
    operations.push({ id: sha256Hex(body), name: definition.name.value, type: definition.operation, body });
  }
  operations.sort((a, b) => a.name.localeCompare(b.name));
  const names = operations.map((operation) => operation.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw new Error(`Two files in ${folder} define the operation ${duplicate}: operation names must be unique.`);
  return { format: 'apollo-persisted-query-manifest', version: 1, operations };
}

/** The manifest as it is written: two-space JSON and a final newline. */
export function manifestText(manifest: PersistedQueryManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Where the committed manifest and its operations live. */
export function manifestPaths(root = projectRoot(__dirname)): { operations: string; manifest: string } {
  return { operations: path.join(root, 'schema', 'operations'), manifest: path.join(root, 'schema', 'persisted-operations.json') };
}

function main(): void {
  const root = projectRoot(__dirname);
  const paths = manifestPaths(root);
  const text = manifestText(buildPersistedManifest(paths.operations));
  if (process.argv.includes('--check')) {
    const committed = fs.existsSync(paths.manifest) ? fs.readFileSync(paths.manifest, 'utf8') : '';
    if (committed !== text) {
      console.error('schema/persisted-operations.json is stale: run `npm run persisted:manifest` and commit the result.');
      process.exit(1);
    }
    console.log('schema/persisted-operations.json is up to date.');
    return;
  }
  fs.writeFileSync(paths.manifest, text);
  console.log(`Wrote ${path.relative(root, paths.manifest)}.`);
}

if (require.main === module) main();
