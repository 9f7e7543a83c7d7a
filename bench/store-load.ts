// Load on the server's store, on one server and its file store:
// 1. session creations per second through the HTTP API (`POST /api/sessions`,
//    from many loopback addresses so the per-address limit does not count);
// 2. the longest event-loop stall while that many sessions end at once: the
//    server restarts on the same data dir, every session waits for its host,
//    no host comes back, and every host grace runs out together.
// Loopback only, bounded in count and time. Usage: node bench/store-load.mjs [sessions]
// (STORE_LOAD_NODE_ARGS: extra Node flags for the server's own process, e.g. --cpu-prof).

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../signaling/config.js';
import { startServer } from '../signaling/server.js';
import { readPersistedState } from '../signaling/state/file-store.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Requests in flight at once. */
const CONCURRENCY = 100;
/** Creations per loopback address: under the limit of 120 per minute. */
const PER_ADDRESS = 100;
/** The host grace of the restarted server, in seconds. */
const GRACE_SECONDS = 5;
/** Longest a phase may take before the run gives up. */
const PHASE_TIMEOUT_MS = 120_000;

function env(dataDir: string, graceSeconds: number): Record<string, string> {
  return {
    PORT: '0', HOST: '127.0.0.1', CWMN_DATA_DIR: dataDir, CWMN_STUN_PORT: 'off',
    CWMN_HOST_GRACE_SECONDS: String(graceSeconds), CWMN_SESSION_MAX_SECONDS: '86400',
  };
}

/** The child's part: a server on `dataDir` that prints its port. */
async function serve(dataDir: string): Promise<void> {
  const config = { ...loadConfig(env(dataDir, 3600), ROOT), log: () => {} };
  const server = await startServer(config);
  process.stdout.write(`PORT ${server.port}\n`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

function startChild(dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...(process.env.STORE_LOAD_NODE_ARGS ?? '').split(' ').filter(Boolean), fileURLToPath(import.meta.url), 'serve', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

function createSession(port: number, agent: http.Agent, localAddress: string): Promise<void> {
  const body = JSON.stringify({ hostName: 'Bench', hostEmail: '', isReplay: false });
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: '/api/sessions', method: 'POST', agent, localAddress,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Origin: `http://127.0.0.1:${port}` },
    }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Creates `n` sessions, `CONCURRENCY` at a time; resolves to creations per
 * second. Each worker keeps one connection per loopback address it uses, and
 * moves to its next address after `PER_ADDRESS` creations.
 */
async function createMany(port: number, n: number): Promise<number> {
  const addresses = Array.from({ length: Math.ceil(n / PER_ADDRESS) }, (_, i) => `127.0.${Math.floor(i / 250)}.${2 + (i % 250)}`);
  const started = performance.now();
  const worker = async (w: number) => {
    for (let a = w; a < addresses.length; a += CONCURRENCY) {
      const address = addresses[a] as string;
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const count = Math.min(PER_ADDRESS, n - a * PER_ADDRESS);
      for (let i = 0; i < count; i++) await createSession(port, agent, address);
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  return n / ((performance.now() - started) / 1000);
}

/** Restarts on `dataDir` in this process and watches every session end by the host grace. */
async function endAll(dataDir: string, n: number): Promise<{ maxStallMs: number; endingMs: number; startMs: number }> {
  let ended = 0;
  let firstEnd = 0;
  let lastEnd = 0;
  const log = (line: string) => {
    if (!/^session \S+ ended \(host-ended\)$/.test(line)) return;
    ended += 1;
    lastEnd = performance.now();
    if (ended === 1) firstEnd = lastEnd;
  };
  const t0 = performance.now();
  const server = await startServer({ ...loadConfig(env(dataDir, GRACE_SECONDS), ROOT), log });
  const startMs = performance.now() - t0;
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  while (ended < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  // Whatever ending left behind (journal syncs, compaction) runs out too.
  await new Promise((r) => setTimeout(r, 1000));
  delay.disable();
  await server.close();
  if (ended < n) throw new Error(`only ${ended} of ${n} sessions ended`);
  return { maxStallMs: delay.max / 1e6, endingMs: lastEnd - firstEnd, startMs };
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cwmn-store-load-'));
  try {
    const { child, port } = await startChild(dataDir);
    const perSecond = await createMany(port, n);
    await new Promise<void>((resolve) => {
      child.on('exit', () => resolve());
      child.kill('SIGTERM');
    });
    const ending = await endAll(dataDir, n);
    const stored = readPersistedState(dataDir).snapshot.sessions;
    const endedOnDisk = stored.filter((s) => s.endedAt !== null).length;
    console.log(JSON.stringify({
      sessions: n,
      creationsPerSecond: Math.round(perSecond),
      restartMs: Math.round(ending.startMs),
      endingAllMs: Math.round(ending.endingMs),
      longestStallMs: Math.round(ending.maxStallMs),
      endedOnDisk,
      cpus: os.cpus().length,
      load: os.loadavg()[0]?.toFixed(1),
    }));
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'serve') await serve(process.argv[3] as string);
else await main();
