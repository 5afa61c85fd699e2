import type { IncomingHttpHeaders } from 'node:http';
import { createRemoteJWKSet, jwtVerify, errors, type JWTVerifyGetKey } from 'jose';
import { isRole, type Viewer } from '../../platform/auth/identity';
import { systemClock, type Clock } from '../../platform/clock';
import { parseScopeClaim } from '../../platform/auth/scopes';

export interface TokenVerifierOptions {
  /** Where the accounts subgraph serves its public keys, e.g. `http://127.0.0.1:4001/.well-known/jwks.json`. */
  jwksUrl: string;
  /** Required `iss` claim. Default `commerce-accounts`. */
  issuer?: string;
  /** Required `aud` claim. Default `commerce-api`. */
  audience?: string;
  /** Tolerated clock difference in seconds. Default 5. */
  clockToleranceSeconds?: number;
  /** The time tokens are checked against. Default: the system clock. */
  clock?: Clock;
}

/** Why a request's credentials were refused: answered 401 (`invalid`) or 503 (`unavailable`, the key set could not be fetched). */
export class AuthenticationFailed extends Error {
  constructor(
    readonly reason: 'invalid' | 'unavailable',
    message: string,
  ) {
    super(message);
  }
}

/**
 * A verified caller with when its token expires (ms since the epoch) and the
 * scopes its token grants (the `scope` claim; absent means none), or null for
 * an anonymous one.
 */
export type AuthenticatedViewer = (NonNullable<Viewer> & { expiresAt: number; scopes?: readonly string[] }) | null;

/** Turns an `Authorization` header into the caller; throws `AuthenticationFailed`. */
export type Authenticate = (headers: Pick<IncomingHttpHeaders, 'authorization'>) => Promise<AuthenticatedViewer>;

/**
 * Verifies bearer tokens issued by the accounts subgraph against its JWKS.
 * No header means an anonymous caller; a malformed, forged or expired token is
 * refused rather than treated as anonymous, so a client learns its token is bad.
 */
export function createAuthenticator(options: TokenVerifierOptions): Authenticate {
  // jose caches the key set and refetches it when a token names an unknown key id.
  const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 3000, cooldownDuration: 30_000 });
  return async (headers) => {
    const header = headers.authorization;
    if (!header) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AuthenticationFailed('invalid', 'The Authorization header must be "Bearer <token>".');
    try {
      const { payload } = await jwtVerify(match[1]!, keys, {
        issuer: options.issuer ?? 'commerce-accounts',
        audience: options.audience ?? 'commerce-api',
        algorithms: ['ES256'],
        clockTolerance: options.clockToleranceSeconds ?? 5,
        currentDate: (options.clock ?? systemClock).now(),
      });
      if (typeof payload.sub !== 'string' || !isRole(payload.role)) {
        throw new AuthenticationFailed('invalid', 'The token lacks a subject or a valid role.');
      }
      if (payload.scope !== undefined && typeof payload.scope !== 'string') {
        throw new AuthenticationFailed('invalid', `The token's scope claim must be a space-separated string, got ${typeof payload.scope}.`);
      }
      return {
        userId: payload.sub,
        role: payload.role,
        expiresAt: (payload.exp ?? Number.MAX_SAFE_INTEGER / 1000) * 1000,
        scopes: parseScopeClaim(payload.scope),
      };
    } catch (error) {
      if (error instanceof AuthenticationFailed) throw error;
      if (error instanceof errors.JWTExpired) throw new AuthenticationFailed('invalid', 'The token has expired; log in again.');
      if (isKeySetUnavailable(error)) {
        throw new AuthenticationFailed('unavailable', 'Tokens cannot be verified right now: the key set is unreachable. Retry shortly.');
      }
      if (error instanceof errors.JOSEError) throw new AuthenticationFailed('invalid', `The token is invalid (${error.code}).`);
      throw error;
    }
  };
}

/**
 * True when the key set could not be had, as opposed to the token being bad:
 * a time-out, a network failure (jose fetches with `node:http`, so a refused
 * connection is a system error with a `code`), or an answer that is not a key
 * set (a non-200 status, invalid JSON or JWKS).
 */
function isKeySetUnavailable(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  if (error instanceof errors.JOSEError) return /JSON Web Key Set HTTP response/.test(error.message);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return error instanceof Error && (typeof code === 'string' || /fetch failed/i.test(error.message));
}
