// One data directory belongs to one server process while it keeps its state
// in files: `server.lock` in it names the holder (process id and host). A
// second server on the same directory is refused at start with a message that
// says what to do; a lock whose process is gone (a crash) is taken over.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CwmnError, ErrorCode } from '../../src/protocol/index.js';

/** Name of the lock file inside `CWMN_DATA_DIR`. */
export const LOCK_FILE_NAME = 'server.lock';

/** A held lock; `release()` removes the file (idempotent). */
export interface DataDirLock {
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
}

/** Takes the lock of `dataDir` (created if needed); throws `ERR_INVALID_PARAMS` naming the holder when another live server has it. */
export function lockDataDir(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE_NAME);
  const me: Holder = { pid: process.pid, host: os.hostname() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${JSON.stringify(me)}\n`, { flag: 'wx', mode: 0o600 });
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          if (sameHolder(readHolder(file), me)) fs.rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(file);
    if (holder && (holder.host !== me.host || isAlive(holder.pid))) {
      const who = holder.host === me.host ? `process ${holder.pid}` : `process ${holder.pid} on ${holder.host}`;
      throw new CwmnError(ErrorCode.INVALID_PARAMS,
        `CWMN_DATA_DIR ${dataDir} is in use by another cwmn server (${who}): give each server its own CWMN_DATA_DIR`);
    }
    fs.rmSync(file, { force: true }); // Its server is gone (or the file is unreadable): take it over.
  }
  throw new CwmnError(ErrorCode.INVALID_PARAMS, `CWMN_DATA_DIR ${dataDir}: could not take ${LOCK_FILE_NAME}`);
}

function readHolder(file: string): Holder | null {
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Holder>;
    return Number.isInteger(value.pid) && typeof value.host === 'string' ? { pid: value.pid!, host: value.host } : null;
  } catch {
    return null;
  }
}

function sameHolder(a: Holder | null, b: Holder): boolean {
  return a !== null && a.pid === b.pid && a.host === b.host;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
