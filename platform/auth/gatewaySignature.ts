import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { systemClock, type Clock } from '../clock';
import { DomainError, ErrorCode } from '../errors';
import type { SharedStore } from '../sharedState/sharedStore';
import { IDENTITY_HEADER } from './gatewayIdentity';

/**
 * HTTP Message Signatures (RFC 9421) from the gateway to the subgraphs, with
 * `hmac-sha256` and one label, `gw`:
 *
 *   Content-Digest: sha-256=:<base64 SHA-256 of the exact body>:      (RFC 9530)
 *   X-Gateway-Identity: <identity token> | anonymous
 *   Signature-Input: gw=("@method" "@path" "@query" "content-digest" "x-gateway-identity");created=<unix s>;nonce="<base64url>";keyid="<key id>";alg="hmac-sha256"
 *   Signature: gw=:<base64 HMAC-SHA256 of the signature base>:
 *
 * The signature base is RFC 9421 §2.5's: one `"<component>": <value>` line
 * per covered component, then `"@signature-params": <the inner list and its
 * parameters as in Signature-Input>`, joined by `\n`. The HMAC key is derived
 * from the identity secret with HKDF, so it is never the key that signs
 * identity tokens; `keyid` is derived too, and names which secret signed
 * (the current one or, during a rotation, the previous one).
 */
export const SIGNATURE_LABEL = 'gw';

/** The headers the gateway sets on every subgraph request, and that nobody else may: a client's are dropped. */
export const GATEWAY_SIGNED_HEADERS = [IDENTITY_HEADER, 'signature', 'signature-input', 'content-digest'] as const;

/** The identity header's value for a caller who is not signed in: signed like any other. */
export const ANONYMOUS_IDENTITY = 'anonymous';

/** The components every gateway signature covers, in this order. */
export const COVERED_COMPONENTS = ['@method', '@path', '@query', 'content-digest', IDENTITY_HEADER] as const;

/** How old a signature may be, in ms, unless configured otherwise: 30 s. */
export const DEFAULT_SIGNATURE_WINDOW_MS = 30_000;
/** How far apart the gateway's and a subgraph's clocks may be, in ms, unless configured otherwise: 5 s. */
export const DEFAULT_CLOCK_SKEW_MS = 5_000;

const ALGORITHM = 'hmac-sha256';
const NONCE = /^[A-Za-z0-9_-]{16,128}$/;

/** A request as the gateway sends it to a subgraph. */
export interface SignableRequest {
  method: string;
  /** The subgraph URL (absolute, or a path with its query string). */
  url: string;
  /** The exact body bytes sent; '' for none (a WebSocket upgrade). */
  body: string | Uint8Array;
  /** The caller's signed identity token; undefined for an anonymous caller. */
  identity: string | undefined;
}

interface DerivedKey {
  id: string;
  hmacKey: Buffer;
}

const derived = new WeakMap<Uint8Array, DerivedKey>();

/** The HMAC key and key id of an identity secret, derived once per secret. */
function deriveKey(secret: Uint8Array): DerivedKey {
  let key = derived.get(secret);
  if (!key) {
    const hmacKey = Buffer.from(hkdfSync('sha256', secret, '', 'commerce gateway request signature v1', 32));
    const id = Buffer.from(hkdfSync('sha256', secret, '', 'commerce gateway request signature key id v1', 8)).toString('hex');
    key = { id, hmacKey };
    derived.set(secret, key);
  }
  return key;
}

/** The key id signatures made with `secret` carry (hex, 16 characters): it tells nothing about the secret. */
export function signatureKeyId(secret: Uint8Array): string {
  return deriveKey(secret).id;
}

/** `sha-256=:<base64>:`, the RFC 9530 Content-Digest of `body`. */
export function contentDigest(body: string | Uint8Array): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
}

export interface SignOptions {
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: 16 random bytes, base64url. Tests pass one to replay a request. */
  nonce?: string;
}

/**
 * Signs one subgraph request as the gateway: returns the four headers to
 * send with it (`GATEWAY_SIGNED_HEADERS`), replacing any of those names the
 * request had. The one signing function: the gateway's data sources and
 * WebSocket upgrades use it, and so does the test harness.
 */
export function signGatewayRequest(
  request: SignableRequest,
  secret: Uint8Array,
  options: SignOptions = {},
): Record<(typeof GATEWAY_SIGNED_HEADERS)[number], string> {
  const key = deriveKey(secret);
  const { path, query } = pathAndQuery(request.url);
  const created = Math.floor((options.clock ?? systemClock).now().getTime() / 1000);
  const nonce = options.nonce ?? randomBytes(16).toString('base64url');
  const digest = contentDigest(request.body);
  const identity = request.identity ?? ANONYMOUS_IDENTITY;
  const params = signatureParams(created, nonce, key.id);
  const base = signatureBase({ method: request.method.toUpperCase(), path, query, digest, identity }, params);
  return {
    [IDENTITY_HEADER]: identity,
    'content-digest': digest,
    'signature-input': `${SIGNATURE_LABEL}=${params}`,
    signature: `${SIGNATURE_LABEL}=:${createHmac('sha256', key.hmacKey).update(base).digest('base64')}:`,
  };
}

/** Signs one subgraph request: the headers to send with it. */
export type RequestSigner = (request: SignableRequest) => Record<string, string>;

/** The gateway's signer: `signGatewayRequest` with `secret` (`GATEWAY_IDENTITY_SECRET`) and `clock`. */
export function gatewayRequestSigner(secret: Uint8Array, clock: Clock = systemClock): RequestSigner {
  return (request) => signGatewayRequest(request, secret, { clock });
}

/** Thrown when a request does not carry a valid gateway signature: UNAUTHENTICATED (HTTP 401). */
export class UntrustedRequest extends DomainError {
  constructor(message: string) {
    super(ErrorCode.UNAUTHENTICATED, message);
    this.name = 'UntrustedRequest';
  }
}

/** What a subgraph needs to tell the gateway's requests from anyone else's. */
export interface GatewayTrust {
  /**
   * The secrets whose signatures are accepted: `GATEWAY_IDENTITY_SECRET`
   * and, while a rotation lasts, `GATEWAY_IDENTITY_PREVIOUS_SECRET`.
   */
  secrets: readonly Uint8Array[];
  /** Where nonces are remembered for the window: Redis when set, so every replica refuses a replay. */
  nonces: SharedStore;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default `DEFAULT_SIGNATURE_WINDOW_MS` (30 s). */
  windowMs?: number;
  /** Default `DEFAULT_CLOCK_SKEW_MS` (5 s). */
  skewMs?: number;
}

/** A request as a subgraph received it. */
export interface ReceivedRequest {
  method: string;
  /** The request target, e.g. `/graphql` or `/graphql?query=…`. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The exact body received; '' for none. */
  body: string | Uint8Array;
}

/**
 * Checks that the gateway signed `request`, as `signGatewayRequest` does,
 * with one of `trust.secrets`: the covered components are exactly
 * `COVERED_COMPONENTS`, the body matches its digest, `created` lies within
 * the window (and not beyond the skew in the future), and the nonce has not
 * been seen — it is remembered for the window. Returns the identity header's
 * value (the identity token, or `ANONYMOUS_IDENTITY`); throws `UntrustedRequest`.
 */
export async function verifyGatewayRequest(request: ReceivedRequest, trust: GatewayTrust): Promise<string> {
  const input = single(request.headers, 'signature-input');
  const signature = single(request.headers, 'signature');
  if (!input || !signature) throw new UntrustedRequest('Subgraphs serve only requests the gateway signed: Signature and Signature-Input headers are required.');
  const parsed = parseSignatureInput(input);
  const key = trust.secrets.map(deriveKey).find((candidate) => candidate.id === parsed.keyid);
  if (!key) throw new UntrustedRequest(`The signature names key "${parsed.keyid}", which this subgraph does not accept.`);

  const windowMs = trust.windowMs ?? DEFAULT_SIGNATURE_WINDOW_MS;
  const skewMs = trust.skewMs ?? DEFAULT_CLOCK_SKEW_MS;
  const nowMs = (trust.clock ?? systemClock).now().getTime();
  const createdMs = parsed.created * 1000;
  if (createdMs < nowMs - windowMs - skewMs)
    throw new UntrustedRequest(`The signature was created ${Math.round((nowMs - createdMs) / 1000)} s ago; it is valid for ${windowMs / 1000} s.`);
  if (createdMs > nowMs + skewMs) throw new UntrustedRequest(`The signature was created ${Math.round((createdMs - nowMs) / 1000)} s in the future.`);

  const digest = single(request.headers, 'content-digest');
  if (digest !== contentDigest(request.body)) throw new UntrustedRequest('The body does not match the signed Content-Digest.');
  const identity = single(request.headers, IDENTITY_HEADER);
  if (!identity) throw new UntrustedRequest(`The signed request has no ${IDENTITY_HEADER} header.`);
  const { path, query } = pathAndQuery(request.url);
  const base = signatureBase({ method: request.method.toUpperCase(), path, query, digest, identity }, parsed.params);
  const expected = createHmac('sha256', key.hmacKey).update(base).digest();
  const match = new RegExp(`^${SIGNATURE_LABEL}=:([A-Za-z0-9+/]+={0,2}):$`).exec(signature);
  const given = match ? Buffer.from(match[1]!, 'base64') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new UntrustedRequest('The signature does not match the request.');

  // Only a valid signature spends its nonce, so nobody without the key can burn the gateway's nonces.
  const first = await trust.nonces.setIfAbsent(`gateway-signature-nonce:${parsed.nonce}`, '1', windowMs + 2 * skewMs);
  if (!first) throw new UntrustedRequest('The signature was used before: a signed request is accepted once.');
  return identity;
}

/** The inner list and parameters, exactly as `Signature-Input` carries them after `gw=`. */
function signatureParams(created: number, nonce: string, keyid: string): string {
  return `(${COVERED_COMPONENTS.map((name) => `"${name}"`).join(' ')});created=${created};nonce="${nonce}";keyid="${keyid}";alg="${ALGORITHM}"`;
}

function signatureBase(values: { method: string; path: string; query: string; digest: string; identity: string }, params: string): string {
  return [
    `"@method": ${values.method}`,
    `"@path": ${values.path}`,
    `"@query": ${values.query}`,
    `"content-digest": ${values.digest}`,
    `"${IDENTITY_HEADER}": ${values.identity}`,
    `"@signature-params": ${params}`,
  ].join('\n');
}

/**
 * Reads `gw=(…);created=…;nonce="…";keyid="…";alg="hmac-sha256"`: the
 * covered components must be `COVERED_COMPONENTS`, and every parameter is
 * required. Only the layout the gateway writes is accepted.
 */
function parseSignatureInput(input: string): { params: string; created: number; nonce: string; keyid: string } {
  const prefix = `${SIGNATURE_LABEL}=`;
  if (!input.startsWith(prefix)) throw new UntrustedRequest(`Signature-Input must hold one signature labelled "${SIGNATURE_LABEL}".`);
  const params = input.slice(prefix.length);
  const match = /^\(([^)]*)\)((?:;[a-z]+=(?:"[^"\\]*"|\d+))+)$/.exec(params);
  if (!match) throw new UntrustedRequest('Signature-Input is not an inner list with parameters (RFC 9421).');
  if (match[1] !== COVERED_COMPONENTS.map((name) => `"${name}"`).join(' ')) {
    throw new UntrustedRequest(`The signature must cover ${COVERED_COMPONENTS.join(', ')}, in that order; it covers ${match[1]}.`);
  }
  const values = new Map<string, string>();
  for (const [, name, quoted, number] of match[2]!.matchAll(/;([a-z]+)=(?:"([^"\\]*)"|(\d+))/g)) {
    if (values.has(name!)) throw new UntrustedRequest(`Signature-Input repeats the parameter ${name}.`);
    values.set(name!, quoted ?? number!);
  }
  if (values.get('alg') !== ALGORITHM) throw new UntrustedRequest(`The signature's alg must be "${ALGORITHM}".`);
  const created = Number(values.get('created'));
  const nonce = values.get('nonce') ?? '';
  const keyid = values.get('keyid') ?? '';
  if (!Number.isSafeInteger(created) || !/^\d+$/.test(values.get('created') ?? '')) throw new UntrustedRequest('The signature lacks created (a Unix time).');
  if (!NONCE.test(nonce)) throw new UntrustedRequest('The signature lacks a nonce (16 to 128 base64url characters).');
  if (!keyid) throw new UntrustedRequest('The signature lacks a keyid.');
  return { params, created, nonce, keyid };
}

/** `@path` and `@query` (RFC 9421 §2.2.6–7) of a request target: the query with its `?`, or `?` when there is none. */
function pathAndQuery(url: string): { path: string; query: string } {
  const parsed = new URL(url, 'http://subgraph.invalid');
  return { path: parsed.pathname, query: parsed.search || '?' };
}

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  // A header sent twice is joined by Node; a signature header sent twice is not one of ours.
  return Array.isArray(value) ? value.join(', ') : value?.trim();
}
