// A child process's figures that the operating system knows: resident memory
// and open file descriptors (Linux /proc), and the soft limit a shell can give it.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Resident set size of `pid` in bytes (VmRSS), NaN when it is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Open file descriptors of `pid`. */
export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

/**
 * A shell prefix that raises the soft limit of open files to the hard limit
 * (a process cannot raise its own from Node), and the limit it gets.
 */
export function raisedFdLimit(): { prefix: string; limit: number } {
  const prefix = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null || true;';
  const out = execFileSync('sh', ['-c', `${prefix} ulimit -n`], { encoding: 'utf8' }).trim();
  return { prefix, limit: out === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(out) };
}
