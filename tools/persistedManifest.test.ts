import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadPersistedQueryManifest, sha256Hex } from '../gateway/plugins/persistedOperations';
import { buildPersistedManifest, manifestPaths, manifestText } from './persistedManifest';

describe('persisted operation manifest', () => {
  it('given schema/operations, when the manifest is built, then it is the committed schema/persisted-operations.json (run `npm run persisted:manifest` if not)', () => {
    const paths = manifestPaths();
    expect(fs.readFileSync(paths.manifest, 'utf8')).toBe(manifestText(buildPersistedManifest(paths.operations)));
  });

  it('given the committed manifest, when the gateway loads it, then every operation of schema/operations is in it, its id the SHA-256 of its body', () => {
    const paths = manifestPaths();
    const manifest = loadPersistedQueryManifest(paths.manifest);
    expect(manifest.operations.map(({ name, type }) => `${type} ${name}`).sort()).toEqual([
      'mutation LogIn',
      'mutation PlaceOrder',
      'mutation SignUp',
      'query Everything',
      'query MyOrders',
    ]);
    for (const operation of manifest.operations) expect(operation.id).toBe(sha256Hex(operation.body));
  });

  it('given a file with two operations, when the manifest is built, then it fails naming the file', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'operations-'));
    try {
      fs.writeFileSync(path.join(folder, 'two.graphql'), 'query A { __typename } query B { __typename }');
      expect(() => buildPersistedManifest(folder)).toThrow('two.graphql must hold exactly one named operation, and it holds 2 (A, B).');
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('given a manifest whose id is not its body’s hash, when the gateway loads it, then it fails naming the operation', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-'));
    try {
      const file = path.join(folder, 'manifest.json');
      const operations = [{ id: '0'.repeat(64), name: 'A', type: 'query', body: 'query A { __typename }' }];
      fs.writeFileSync(file, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }));
      expect(() => loadPersistedQueryManifest(file)).toThrow(/operations\[0\] needs a string "body" and an "id" that is its SHA-256/);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
