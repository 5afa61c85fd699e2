import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportPKCS8, generateKeyPair } from 'jose';
import { jwksDocument, loadOrCreateSigningKey, SIGNING_KEY_FILE } from './signingKey';

describe('loadOrCreateSigningKey', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'accounts-key-'));
  });
  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('given an empty data directory, when loaded, then a key is generated into a file only its owner can read', async () => {
    const key = await loadOrCreateSigningKey({ dataDir: path.join(dataDir, 'nested') });
    const file = path.join(dataDir, 'nested', SIGNING_KEY_FILE);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(key.publicJwk).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String) });
    expect(key.kid).toMatch(/^[\w-]{43}$/);
  });

  it('given a generated key, when loaded again, then it is the same key and no temporary file is left', async () => {
    const first = await loadOrCreateSigningKey({ dataDir });
    const second = await loadOrCreateSigningKey({ dataDir });
    expect(second.kid).toBe(first.kid);
    expect(fs.readdirSync(dataDir)).toEqual([SIGNING_KEY_FILE]);
  });

  it('given several starters at once, when they load, then they agree on one key', async () => {
    const keys = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateSigningKey({ dataDir })));
    expect(new Set(keys.map((key) => key.kid)).size).toBe(1);
  });

  it('given a configured PEM (even with escaped newlines), when loaded, then it is used and nothing is written', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const pem = await exportPKCS8(privateKey);
    const plain = await loadOrCreateSigningKey({ configuredPem: pem, dataDir });
    const escaped = await loadOrCreateSigningKey({ configuredPem: pem.replace(/\n/g, '\\n'), dataDir });
    expect(escaped.kid).toBe(plain.kid);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('given a configured PEM of another kind of key, when loaded, then start-up fails saying what is expected', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    await expect(loadOrCreateSigningKey({ configuredPem: await exportPKCS8(privateKey), dataDir })).rejects.toThrow(/P-256 \(ES256\)/);
    const p384 = await generateKeyPair('ES384', { extractable: true });
    await expect(loadOrCreateSigningKey({ configuredPem: await exportPKCS8(p384.privateKey), dataDir })).rejects.toThrow(/got an EC P-384 key/);
    await expect(loadOrCreateSigningKey({ configuredPem: 'not a pem', dataDir })).rejects.toThrow(/PKCS#8 PEM/);
  });
});

describe('jwksDocument', () => {
  it('given a key, when published, then it holds the public key with its kid, algorithm and use, and no private member', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'accounts-key-'));
    try {
      const key = await loadOrCreateSigningKey({ dataDir });
      const document = jwksDocument(key);
      expect(document).toEqual({ keys: [{ ...key.publicJwk, kid: key.kid, alg: 'ES256', use: 'sig' }] });
      expect(JSON.stringify(document)).not.toContain('"d"');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
