// Finding and removing namespaces and links: a topology's own teardown, and the
// leftovers of runs that were killed before theirs.

import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecError, run } from './exec.js';
import { isStale, tempDirOwner } from './names.js';

/** How long to wait for killed processes to leave a namespace. */
const NS_EMPTY_TIMEOUT_MS = 2_000;

/** Names of the network namespaces (`ip netns list`). */
export async function listNamespaces(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  // Lines read `name` or `name (id: 3)`.
  return stdout.split('\n').map((line) => line.split(' ')[0]!).filter(Boolean);
}

/** Names of the links of the test's own namespace (`ip -o link show`). */
export async function listLinks(): Promise<string[]> {
  const { stdout } = await run('ip', ['-o', 'link', 'show']);
  // Lines read `4: name@if3: <FLAGS> ...` (a veth shows its peer after `@`).
  return stdout.split('\n').map((line) => line.split(': ')[1]?.split('@')[0] ?? '').filter(Boolean);
}

/** Deletes a link of the root namespace (a veth takes its peer along); no-op if it is gone. */
export async function removeLink(name: string): Promise<void> {
  try {
    await run('ip', ['link', 'del', name]);
  } catch (err) {
    if (!(err instanceof ExecError) || !/Cannot find device|does not exist/.test(err.stderr)) throw err;
  }
}

/**
 * Kills every process still in `ns`, then deletes it; no-op if it is gone.
 * Killing comes first: a namespace with a process in it outlives `ip netns del`, unseen.
 */
export async function removeNamespace(ns: string): Promise<void> {
  if (!(await listNamespaces()).includes(ns)) return;
  const deadline = Date.now() + NS_EMPTY_TIMEOUT_MS;
  for (;;) {
    const pids = await namespacePids(ns);
    if (pids.length === 0 || Date.now() > deadline) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    await run('ip', ['netns', 'del', ns]);
  } catch (err) {
    if (!(err instanceof ExecError) || !/No such file/.test(err.stderr)) throw err;
  }
}

async function namespacePids(ns: string): Promise<number[]> {
  try {
    const { stdout } = await run('ip', ['netns', 'pids', ns]);
    return stdout.split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Removes what killed runs of the harness left: processes started from their temp
 * directories (a detached coturn), their links and namespaces (with what still runs
 * inside), and the temp directories. Runs still going on are left alone.
 * Returns what it removed: names, pids and directories.
 */
export async function removeStale(): Promise<string[]> {
  const dirs = readdirSync(tmpdir()).filter((d) => {
    const owner = tempDirOwner(d);
    return owner !== undefined && isStale(owner);
  }).map((d) => join(tmpdir(), d));
  const pids = processesMentioning(dirs);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  const links = (await listLinks()).filter(isStale);
  const namespaces = (await listNamespaces()).filter(isStale);
  // Links first: a veth deleted from the root side is gone at once, while one that
  // goes with its namespace disappears later, when the kernel gets to it.
  for (const link of links) await removeLink(link);
  for (const ns of namespaces) await removeNamespace(ns);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  return [...pids.map((pid) => `pid ${pid}`), ...links, ...namespaces, ...dirs];
}

/** Pids of the processes whose command line names one of `dirs`. */
function processesMentioning(dirs: readonly string[]): number[] {
  if (dirs.length === 0) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue; // It exited meanwhile.
    }
    if (dirs.some((dir) => cmdline.includes(dir))) pids.push(Number(entry));
  }
  return pids;
}
