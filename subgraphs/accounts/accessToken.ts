import { SignJWT } from 'jose';
import type { Identity } from '../../platform/auth/identity';
import { SCOPES_BY_ROLE } from '../../platform/auth/scopes';
import type { SigningKey } from './signingKey';
import type { User } from './domain/user';

/** How access tokens are issued; the gateway verifies `issuer` and `audience`. */
export interface JwtSettings {
  /** `iss` claim. Default `commerce-accounts`. */
  issuer: string;
  /** `aud` claim. Default `commerce-api`. */
  audience: string;
  /** Lifetime in seconds. Default 3600. */
  ttlSeconds: number;
}

export const DEFAULT_JWT_SETTINGS: Readonly<JwtSettings> = { issuer: 'commerce-accounts', audience: 'commerce-api', ttlSeconds: 3600 };

/** A signed access token and the moment it stops being accepted. */
export interface AccessToken {
  token: string;
  expiresAt: Date;
}

/**
 * Signs an ES256 JWT for `identity`: `sub` (user id), `role`, `scope` (the
 * role's scopes, space-separated: `SCOPES_BY_ROLE`; empty for a CUSTOMER), `iss`, `aud`,
 * `iat` and `exp` counted from `now` (the injected clock), with the key's
 * thumbprint as `kid` so verifiers pick the right key from the JWKS.
 */
export async function issueAccessToken(key: SigningKey, settings: JwtSettings, identity: Identity, now: Date): Promise<AccessToken> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = issuedAt + settings.ttlSeconds;
  const token = await new SignJWT({ role: identity.role, scope: SCOPES_BY_ROLE[identity.role].join(' ') })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
    .setSubject(identity.userId)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(key.privateKey);
  return { token, expiresAt: new Date(expiresAt * 1000) };
}

/** What `signUp` and `logIn` answer: a token and the user it names. */
export interface AuthSession extends AccessToken {
  user: User;
}
