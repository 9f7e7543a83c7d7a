// The server under load, as a process of its own (`dist/server/main.js`), so
// that its memory is its own: started through a shell that raises its limit
// of open files, with the load tool's probe loaded (event-loop delay, memory).

import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFds, raisedFdLimit, rssBytes } from './process-stats.js';

/** What the probe reports (see loop-probe.mjs). */
export interface ProbeReading {
  resolutionMs: number;
  /** Event-loop delay since the last reset, ms. */
  delay: { p50: number; p99: number; max: number; count: number };
  /**
   * The longest stalls (over 10 ms) since the last reset, longest first: how long, how much of it the main thread ran
   * and how much it waited for a core (null without /proc schedstat), when it ended (epoch ms).
   */
  longest: Array<{ ms: number; ranMs: number | null; waitedMs: number | null; endedAt: number }>;
  /** The most the main thread ran between two ticks of the probe's 5 ms timer: the longest task, ms (null without schedstat). */
  longestTaskMs: number | null;
  /** `process.memoryUsage()` as the server sees it, bytes. */
  memory: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
}

export interface LoadServer {
  url: string;
  pid: number;
  /** The server's limit of open files. */
  fdLimit: number;
  /** Resident memory (VmRSS) and open files, from /proc. */
  stats(): { rss: number; fds: number };
  /** Clears the probe's delay histogram. */
  resetDelay(): Promise<void>;
  /** The probe's figures; with `gc`, after a full garbage collection (the server runs with --expose-gc). */
  read(gc?: boolean): Promise<ProbeReading>;
  /** Writes a heap snapshot into the directory given at start (none given: does nothing); resolves once written. */
  heapSnapshot(): Promise<void>;
  /** Log lines written so far (stdout and stderr). */
  output(): string;
  /** null while it runs; once it exited before `stop()`, how ("exit code 1", "signal SIGKILL") and its last output. */
  died(): string | null;
  /** SIGTERM, then SIGKILL after `graceMs`; removes the data directory. Resolves with how long it took to exit. */
  stop(graceMs?: number): Promise<number>;
}

/** Where a server listens and keeps its files, when not its own (see `startLoadServer`). */
export interface LoadServerPlace {
  /** Where heap snapshots go (none: null). */
  heapSnapshotDir?: string | null;
  /** Its loopback port (default: a free one). */
  port?: number;
  /** A data directory shared with other servers, left in place at stop (default: a new one of its own, removed at stop). */
  dataDir?: string;
}

/**
 * Starts `dist/server/main.js` of `root` on a loopback port, with `probeFile` (loop-probe.mjs) loaded; null: without
 * it (its 5 ms timer costs the server about 1% of a core), and then `read` and `resetDelay` never answer.
 */
export async function startLoadServer(
  root: string, probeFile: string | null, env: Record<string, string>, place: LoadServerPlace = {},
): Promise<LoadServer> {
  const heapSnapshotDir = place.heapSnapshotDir ?? null;
  const ownDataDir = place.dataDir === undefined;
  const dataDir = place.dataDir ?? mkdtempSync(join(tmpdir(), 'cwmn-load-'));
  const port = place.port ?? await freePort();
  const { prefix, limit } = raisedFdLimit();
  // LOAD_SERVER_NODE_FLAGS: more Node flags for the server (e.g. --trace-gc, --cpu-prof); heap snapshots, on SIGUSR2.
  const flags = `${process.env.LOAD_SERVER_NODE_FLAGS ?? ''}${heapSnapshotDir ? ' --heapsnapshot-signal=SIGUSR2' : ''}`;
  const command = `${prefix} exec "${process.execPath}" --expose-gc ${flags} ${probeFile === null ? '' : `--import "${probeFile}"`} "${join(root, 'dist/server/main.js')}"`;
  const child: ChildProcess = spawn('sh', ['-c', command], {
    env: {
      ...process.env, PORT: String(port), HOST: '127.0.0.1', CWMN_DATA_DIR: dataDir, CWMN_ROOT: root, CWMN_STUN_PORT: 'off', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    cwd: heapSnapshotDir ?? undefined,
  });
  let text = '';
  // LOAD_SERVER_LOG: a file that gets the server's whole output, to see what it did during a run.
  const logFile = process.env.LOAD_SERVER_LOG?.trim();
  const keep = (c: Buffer) => {
    text = (text + c.toString()).slice(-200_000);
    if (logFile) appendFileSync(logFile, c);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let nextId = 1;
  const waiting = new Map<number, (m: any) => void>();
  child.on('message', (m: any) => {
    waiting.get(m?.id)?.(m);
    waiting.delete(m?.id);
  });
  const ask = (message: Record<string, unknown>) => new Promise<any>((resolve, reject) => {
    const id = nextId++;
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error(`the server's probe did not answer ${String(message.type)} in time`));
    }, 30_000);
    waiting.set(id, (m) => {
      clearTimeout(timer);
      resolve(m);
    });
    child.send({ ...message, id });
  });
  const url = `http://127.0.0.1:${port}`;
  const giveUp = (why: string) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    return new Error(`${why}:\n${text}`);
  };
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw giveUp('the server exited at start');
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    if (i >= 200) throw giveUp('the server did not answer /healthz within 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid!;
  let stopping = false;
  return {
    url,
    pid,
    fdLimit: limit,
    stats: () => ({ rss: rssBytes(pid), fds: openFds(pid) }),
    resetDelay: async () => {
      await ask({ type: 'reset' });
    },
    read: async (gc = false) => (await ask({ type: 'read', gc })) as ProbeReading,
    output: () => text,
    died: () => (stopping || (child.exitCode === null && child.signalCode === null) ? null
      : `${child.signalCode ? `signal ${child.signalCode}` : `exit code ${child.exitCode}`}; its last output:\n${text.slice(-3000)}`),
    async heapSnapshot() {
      if (!heapSnapshotDir) return;
      const count = () => readdirSync(heapSnapshotDir).filter((f) => f.endsWith('.heapsnapshot')).length;
      const before = count();
      child.kill('SIGUSR2');
      for (let i = 0; i < 600 && count() === before; i++) await new Promise((r) => setTimeout(r, 100));
    },
    async stop(graceMs = 20_000) {
      stopping = true;
      const started = Date.now();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
      return Date.now() - started;
    },
  };
}

/** A loopback port nobody listens on at the moment. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
