import fs from 'node:fs';
import os from 'node:os';

/** Another live process holds the data directory's lock. */
export class DataDirInUse extends Error {
  constructor(
    readonly directory: string,
    readonly holder: LockHolder,
  ) {
    super(
      `The PGlite database in ${directory} is in use by process ${holder.pid} (${holder.command}, since ${holder.since}). ` +
        'PGlite allows one process at a time: stop that process first, or give this one another DATA_DIR. ' +
        'While the stack runs, rebuild a read model through its admin mutation (see the README).',
    );
    this.name = 'DataDirInUse';
  }
}

/** The locks this process holds, so that a second open in the same process is refused too. */
const heldHere = new Map<string, LockHolder>();

/** What a lock file records about the process holding it. */
export interface LockHolder {
  pid: number;
  hostname: string;
  command: string;
  since: string;
}

/**
 * Takes the one-writer lock of a PGlite folder: a file `<directory>.lock`
 * created exclusively and holding the owner's pid. A lock whose process is
 * gone (a crash, a `kill -9`) is stale and taken over; one held by a live
 * process throws `DataDirInUse`. Returns the release function, which removes
 * the file only while it is still ours.
 */
export function lockDataDir(directory: string): () => void {
  const file = `${directory}.lock`;
  const held = heldHere.get(file);
  if (held) throw new DataDirInUse(directory, held);
  const mine: LockHolder = {
    pid: process.pid,
    hostname: os.hostname(),
    command: process.argv.slice(1).join(' ').slice(0, 200),
    since: new Date().toISOString(),
  };
  const text = JSON.stringify(mine);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      fs.writeFileSync(file, text, { flag: 'wx', mode: 0o600 });
      heldHere.set(file, mine);
      return () => {
        heldHere.delete(file);
        try {
          if (fs.readFileSync(file, 'utf8') === text) fs.unlinkSync(file);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(file);
    if (holder && isAlive(holder)) throw new DataDirInUse(directory, holder);
    // Stale: its process is gone. Remove it and try again; of two processes doing this at once, one creates the file.
    fs.rmSync(file, { force: true });
  }
  throw new Error(`Could not take the lock ${file}; remove it if no process uses ${directory}.`);
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
    return typeof holder.pid === 'number' ? holder : undefined;
  } catch {
    // Unreadable or half-written by a process that died while writing it.
    return undefined;
  }
}

function isAlive(holder: LockHolder): boolean {
  // Our own pid in a lock we do not hold yet is a previous life of this process slot (a restarted container's pid 1).
  if (holder.pid === process.pid && holder.hostname === os.hostname()) return false;
  // A lock from another machine (a shared volume) cannot be checked: treat it as held.
  if (holder.hostname !== os.hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
