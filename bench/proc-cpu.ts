// CPU time of processes, from Linux's /proc: `utime + stime` of
// /proc/<pid>/stat (every thread of the process, in clock ticks, sampled at
// each tick), or the scheduler's run time of each of its threads
// (/proc/<pid>/task/<tid>/schedstat, ns, exact at each context switch).
// Processes and threads that exit between two readings take their time with
// them: read trees that live through the window (a browser and its renderers, a server).

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of `utime`/`stime` (`getconf CLK_TCK`; 100 on Linux almost everywhere). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Resolution of every reading, ms. */
export const CPU_TICK_MS = 1000 / TICKS_PER_SECOND;

interface Stat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, ms. */
  cpuMs: number;
}

function readStat(pid: number): Stat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // Gone.
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses; the fields after its last ')' do not.
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { pid, ppid: Number(fields[1]), comm: text.slice(text.indexOf('(') + 1, close), cpuMs: ticks * CPU_TICK_MS };
}

function allStats(): Stat[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => readStat(Number(d))).filter((s): s is Stat => s !== null);
}

/** CPU time of one process (utime + stime), ms; NaN when it is gone. */
export function processCpuMs(pid: number): number {
  return readStat(pid)?.cpuMs ?? Number.NaN;
}

/** Run time of every live thread of one process (schedstat), ms; 0 when it is gone. */
export function processRunMs(pid: number): number {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  let ns = 0;
  for (const tid of tids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch { /* the thread just exited */ }
  }
  return ns / 1e6;
}

/** Run time of a process and all its live descendants (schedstat of every thread), ms. */
export function treeRunMs(root: number): number {
  const children = new Map<number, number[]>();
  for (const s of allStats()) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s.pid]);
  let total = 0;
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    total += processRunMs(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** Process ids of this process's children named `comm`. */
export function childPids(comm: string): number[] {
  return allStats().filter((s) => s.ppid === process.pid && s.comm === comm).map((s) => s.pid);
}
