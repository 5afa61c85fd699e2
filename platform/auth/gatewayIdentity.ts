import { SignJWT, jwtVerify, errors, type JWTVerifyResult } from 'jose';
import { DomainError, ErrorCode } from '../errors';
import { isRole, type Viewer } from './identity';

/** The request header that carries the caller's identity from the gateway to a subgraph. */
export const IDENTITY_HEADER = 'x-gateway-identity';

/**
 * Over graphql-ws, where there are no per-operation headers: the key of the
 * subscribe message's `payload.extensions` that carries the same signed token.
 */
export const IDENTITY_EXTENSION = 'identity';

/** The key of a graphql-ws subscribe message's `payload.extensions` that carries the gateway's request id. */
export const REQUEST_ID_EXTENSION = 'requestId';

const ISSUER = 'commerce-gateway';
const AUDIENCE = 'commerce-subgraphs';
/** Identity tokens live for one minute: long enough for one query plan, short enough to be useless if logged. */
const TTL_SECONDS = 60;

/**
 * Signs the caller's identity for subgraphs with a secret that the gateway
 * and the subgraphs share, so a subgraph trusts who the gateway says is
 * calling and nobody who reaches a subgraph directly can claim to be an admin.
 */
export async function signGatewayIdentity(viewer: NonNullable<Viewer>, secret: Uint8Array): Promise<string> {
  return new SignJWT({ role: viewer.role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(viewer.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${TTL_SECONDS}s`)
    .sign(secret);
}

/** Thrown when an identity header is present but not valid: UNAUTHENTICATED. */
export class InvalidGatewayIdentity extends DomainError {
  constructor(message: string) {
    super(ErrorCode.UNAUTHENTICATED, message);
    this.name = 'InvalidGatewayIdentity';
  }
}

/**
 * Reads the identity header: null when absent (anonymous), the identity when
 * valid under one of `secrets` (the current secret and, during a rotation,
 * the previous one), `InvalidGatewayIdentity` otherwise.
 */
export async function verifyGatewayIdentity(header: string | undefined, secrets: Uint8Array | readonly Uint8Array[]): Promise<Viewer> {
  if (!header) return null;
  const keys = secrets instanceof Uint8Array ? [secrets] : secrets;
  try {
    let verified: JWTVerifyResult | undefined;
    for (const [index, secret] of keys.entries()) {
      try {
        verified = await jwtVerify(header, secret, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
        break;
      } catch (error) {
        // Another key may have signed it; any other failure (expired, wrong audience) is final.
        if (!(error instanceof errors.JWSSignatureVerificationFailed) || index === keys.length - 1) throw error;
      }
    }
    if (!verified) throw new InvalidGatewayIdentity('No key to verify the identity token with.');
    const { payload } = verified;
    if (typeof payload.sub !== 'string' || !isRole(payload.role)) throw new InvalidGatewayIdentity('Identity token lacks a subject or a role.');
    return { userId: payload.sub, role: payload.role };
  } catch (error) {
    if (error instanceof InvalidGatewayIdentity) throw error;
    if (error instanceof errors.JOSEError) throw new InvalidGatewayIdentity(`Identity token rejected: ${error.code}.`);
    throw error;
  }
}
