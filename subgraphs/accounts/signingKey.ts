import fs from 'node:fs';
import path from 'node:path';
import { writeFileOnce } from '../../platform/secrets';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, importPKCS8, type JWK, type KeyLike } from 'jose';

/** The key accounts signs access tokens with, and what verifiers need to know of it. */
export interface SigningKey {
  /** The ES256 (P-256) private key. */
  privateKey: KeyLike;
  /** Its public half as a JWK (`kty`, `crv`, `x`, `y` only). */
  publicJwk: JWK;
  /** The key id: the RFC 7638 SHA-256 thumbprint of `publicJwk`, sent as `kid` in every token's header. */
  kid: string;
}

/** The public key set served at `/.well-known/jwks.json`. */
export interface JwksDocument {
  keys: JWK[];
}

/** The file in the data directory holding the generated private key (PKCS#8 PEM). */
export const SIGNING_KEY_FILE = 'accounts-jwt-private.pem';

const ALGORITHM = 'ES256';

/**
 * The access-token signing key: `configuredPem` (a PKCS#8 PEM of a P-256 key)
 * when given, else the one stored at `<dataDir>/accounts-jwt-private.pem`,
 * generated on first start. Processes sharing a data directory thus agree on
 * one key; separate machines must be given the same configured PEM.
 */
export async function loadOrCreateSigningKey(options: { configuredPem?: string; dataDir: string }): Promise<SigningKey> {
  if (options.configuredPem) return signingKeyFromPem(options.configuredPem, 'The configured JWT private key');
  const file = path.resolve(options.dataDir, SIGNING_KEY_FILE);
  if (!fs.existsSync(file)) await writeNewKey(file);
  return signingKeyFromPem(fs.readFileSync(file, 'utf8'), `The JWT private key in ${file}`);
}

/**
 * Reads a PKCS#8 PEM of a P-256 key. Newlines written as `\n`, as they often
 * are in environment variables, are accepted. `source` names the PEM in errors.
 */
export async function signingKeyFromPem(pem: string, source = 'The JWT private key'): Promise<SigningKey> {
  const expected = `${source} must be a PKCS#8 PEM of a P-256 (ES256) private key`;
  let privateKey: KeyLike;
  try {
    privateKey = await importPKCS8(pem.replace(/\\n/g, '\n').trim(), ALGORITHM);
  } catch (error) {
    throw new Error(`${expected}: ${(error as Error).message}`);
  }
  // Only the public members are copied, so `d` can never reach the key set.
  const { kty, crv, x, y } = await exportJWK(privateKey);
  // jose's Node build imports any PKCS#8 key whatever the algorithm named, so the curve is checked here.
  if (kty !== 'EC' || crv !== 'P-256') throw new Error(`${expected}, got an ${kty}${crv ? ` ${crv}` : ''} key.`);
  const publicJwk: JWK = { kty, crv, x, y };
  return { privateKey, publicJwk, kid: await calculateJwkThumbprint(publicJwk, 'sha256') };
}

/** The JWKS document that lets verifiers (the gateway) check tokens signed with `key`. */
export function jwksDocument(key: SigningKey): JwksDocument {
  return { keys: [{ ...key.publicJwk, kid: key.kid, alg: ALGORITHM, use: 'sig' }] };
}

async function writeNewKey(file: string): Promise<void> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  writeFileOnce(file, await exportPKCS8(privateKey));
}
