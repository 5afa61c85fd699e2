import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { DataDirInUse, lockDataDir } from './dataDirLock';

describe('the PGlite data directory lock', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'lock-'));
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it('given a free folder, when locked and released, then the lock file comes and goes', () => {
    const dir = path.join(base, 'free');
    const release = lockDataDir(dir);
    expect(JSON.parse(fs.readFileSync(`${dir}.lock`, 'utf8'))).toMatchObject({ pid: process.pid, hostname: os.hostname() });
    release();
    expect(fs.existsSync(`${dir}.lock`)).toBe(false);
  });

  it('given a held lock, when the folder is locked again, then it is refused naming the holder', () => {
    const dir = path.join(base, 'held');
    const release = lockDataDir(dir);
    try {
      expect(() => lockDataDir(dir)).toThrow(DataDirInUse);
      expect(() => lockDataDir(dir)).toThrow(new RegExp(`in use by process ${process.pid}`));
    } finally {
      release();
    }
  });

  it('given a lock left by a process that has exited, when locked, then the stale lock is taken over', async () => {
    const dir = path.join(base, 'stale');
    const child = spawn(process.execPath, ['-e', '']);
    const deadPid = child.pid!;
    await new Promise((resolve) => child.once('exit', resolve));
    fs.writeFileSync(`${dir}.lock`, JSON.stringify({ pid: deadPid, hostname: os.hostname(), command: 'gone', since: new Date(0).toISOString() }));
    const release = lockDataDir(dir);
    expect(JSON.parse(fs.readFileSync(`${dir}.lock`, 'utf8')).pid).toBe(process.pid);
    release();
  });

  it('given a half-written lock file, when locked, then it is treated as stale', () => {
    const dir = path.join(base, 'garbled');
    fs.writeFileSync(`${dir}.lock`, '{"pid":');
    const release = lockDataDir(dir);
    release();
    expect(fs.existsSync(`${dir}.lock`)).toBe(false);
  });
});
