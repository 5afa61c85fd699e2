import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * scrypt cost parameters for new hashes: N = 2^14, r = 8, p = 1 (Node's
 * defaults, 16 MiB and tens of milliseconds per hash). Each stored hash
 * records its own parameters, so raising these later leaves old hashes valid.
 */
const COST = { N: 16384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 64;

interface ParsedHash {
  cost: { N: number; r: number; p: number };
  salt: Buffer;
  key: Buffer;
}

function derive(password: string, salt: Buffer, cost: ParsedHash['cost'], keyBytes: number): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; Node refuses more than `maxmem`, 32 MiB by default.
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyBytes, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Hashes a password with a fresh random salt, as `scrypt$N$r$p$salt$hash` (salt and hash in base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, COST, KEY_BYTES);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * True when `password` matches `stored`. Without a stored hash (no account
 * has the email) it still runs scrypt once, against a placeholder, and
 * answers false, so response times do not tell which emails have accounts.
 * A malformed stored hash never matches.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const parsed = (stored !== undefined && parseHash(stored)) || PLACEHOLDER;
  const key = await derive(password, parsed.salt, parsed.cost, parsed.key.length);
  const equal = timingSafeEqual(key, parsed.key);
  return parsed !== PLACEHOLDER && equal;
}

/** Reads `scrypt$N$r$p$salt$hash`; null when it is not one, or asks for costs no hash of ours would. */
function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  // Stored hashes are trusted, but a corrupt row must not make one check allocate gigabytes.
  const powerOfTwo = Number.isInteger(N) && N > 1 && N <= 1 << 20 && (N & (N - 1)) === 0;
  if (!powerOfTwo || !Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16) return null;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const key = Buffer.from(parts[5]!, 'base64url');
  if (salt.length === 0 || key.length < 16 || key.length > 128) return null;
  return { cost: { N, r, p }, salt, key };
}

const PLACEHOLDER: ParsedHash = { cost: { ...COST }, salt: Buffer.alloc(SALT_BYTES), key: Buffer.alloc(KEY_BYTES) };
