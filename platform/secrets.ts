import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Returns the secret configured (base64 or plain text of at least 32 bytes), or
 * else the one stored at `<dataDir>/<fileName>`, creating it on first use.
 * Processes that share a data directory on one machine thus agree without
 * configuration; separate machines must be given the same configured value.
 */
export function loadOrCreateSecret(configured: string | undefined, dataDir: string, fileName: string): Uint8Array {
  if (configured) {
    const bytes = Buffer.from(configured, 'utf8');
    if (bytes.length < 32) throw new Error(`A configured secret must be at least 32 bytes long, got ${bytes.length}.`);
    return new Uint8Array(bytes);
  }
  const file = path.resolve(dataDir, fileName);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!fs.existsSync(file)) writeFileOnce(file, randomBytes(48).toString('base64url'));
  return new Uint8Array(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'utf8'));
}

/**
 * Creates `file` with `contents` (mode 0600) unless it exists. It is written
 * whole to a temporary file and then linked into place: `link` fails when the
 * file exists, so of several processes starting at once, all end up reading
 * the first complete file and none a half-written one.
 */
export function writeFileOnce(file: string, contents: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(temporary, contents, { mode: 0o600 });
  try {
    fs.linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.unlinkSync(temporary);
  }
}
