import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { loadOrCreateSigningKey, jwksDocument, type SigningKey } from './signingKey';
import { DEFAULT_JWT_SETTINGS, issueAccessToken } from './accessToken';

describe('issueAccessToken', () => {
  let key: SigningKey;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'accounts-token-'));
  beforeAll(async () => {
    key = await loadOrCreateSigningKey({ dataDir });
  });
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const identity = { userId: '0b6f6a43-5d0e-4a8e-9d1c-2b1f3c4d5e6f', role: 'ADMIN' as const };

  it('given a user, when a token is issued, then the JWKS verifies it and it carries the contract claims', async () => {
    const now = new Date();
    const { token, expiresAt } = await issueAccessToken(key, DEFAULT_JWT_SETTINGS, identity, now);
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwksDocument(key)), {
      issuer: 'commerce-accounts',
      audience: 'commerce-api',
      algorithms: ['ES256'],
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: key.kid });
    expect(payload).toMatchObject({ sub: identity.userId, role: 'ADMIN', iss: 'commerce-accounts', aud: 'commerce-api' });
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(expiresAt.getTime()).toBe(payload.exp! * 1000);
  });

  it('given the injected clock, when a token is issued, then its times come from that clock', async () => {
    const now = new Date('2030-05-06T07:08:09.999Z');
    const { token, expiresAt } = await issueAccessToken(key, { issuer: 'i', audience: 'a', ttlSeconds: 60 }, identity, now);
    expect(expiresAt.toISOString()).toBe('2030-05-06T07:09:09.000Z');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: 'i', aud: 'a', iat: Date.parse('2030-05-06T07:08:09Z') / 1000 });
    expect(decodeProtectedHeader(token).kid).toBe(key.kid);
  });

  it.each([
    ['an ADMIN', 'ADMIN' as const, 'catalog:write inventory:write read-models:rebuild'],
    ['a CUSTOMER', 'CUSTOMER' as const, ''],
  ])('given %s, when a token is issued, then its scope claim holds the scopes of that role', async (_, role, scope) => {
    const { token } = await issueAccessToken(key, DEFAULT_JWT_SETTINGS, { ...identity, role }, new Date());
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims.scope).toBe(scope);
  });
});
