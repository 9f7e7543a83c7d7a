// `npm run load`: the server's capacity on one machine (see the Load section of
// BENCHMARKS.md). Loopback only; every phase is bounded in count and time, the
// whole run by RUN_DEADLINE_MS; whatever was started is stopped. A missed target
// is reported; only a figure that could not be measured makes it exit non-zero.
// Settings: LOAD_SOCKETS, LOAD_HOLD_SECONDS, LOAD_JOINS_IN_FLIGHT, LOAD_ONLY
// (scenario ids); to look closer: LOAD_SERVER_ROOT (another checkout's built
// server), LOAD_HEAP_SNAPSHOTS (a directory for heap snapshots), LOAD_SERVER_LOG
// (a file for the servers' output), LOAD_SERVER_NODE_FLAGS (e.g. --trace-gc,
// --cpu-prof), LOAD_DEPLOYMENTS (some of file, redis-1, redis-2: where joins
// and signals are measured), LOAD_REDIS_APPENDFSYNC (everysec or no instead of
// always). A run on another server, with heap snapshots, Node flags, fewer
// deployments or another Redis setting writes partial results only.

import { loadavg } from 'node:os';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  GUESTS_PER_SESSION, JOIN_SECONDS, JOIN_SOCKETS_PER_ADDRESS, JOINS, measureGuestJoins, WARMUP_JOINS,
} from './load/guest-joins.js';
import { CREATE_CONCURRENCY, measureIdleHosts } from './load/idle-hosts.js';
import { raisedFdLimit } from './load/process-stats.js';
import { measureRedisSessions } from './load/redis-sessions.js';
import {
  measureSignalLatency, PAIRS, SIGNAL_SECONDS, SIGNAL_WARMUP_SECONDS, SIGNALS_PER_SECOND,
} from './load/signal-latency.js';
import { machine, printLoadTable, writeLoadReport, type LoadReport } from './load/report.js';
import type { LoadContext, LoadFigure, LoadScenario } from './load/scenario.js';
import type { DeploymentKind } from './load/deployment.js';

/** The whole run is stopped past this. */
const RUN_DEADLINE_MS = 15 * 60_000;
const DEFAULT_SOCKETS = 20_000;
const DEFAULT_HOLD_SECONDS = 60;
/** Bounds of the counts one may ask for. */
const MAX_SOCKETS = 100_000;
const MAX_HOLD_SECONDS = 600;
const DEFAULT_JOINS_IN_FLIGHT = 128;
const MAX_JOINS_IN_FLIGHT = 1_000;
const DEPLOYMENTS: DeploymentKind[] = ['file', 'redis-1', 'redis-2'];

const SCENARIOS: LoadScenario[] = [
  {
    id: 'idle-hosts',
    description: `**Idle host sockets** — sessions are created through \`POST /api/sessions\` (16 in flight; the creation rate
  is a figure of its own: the file store writes each one through before answering), then one signaling socket per
  session says \`host-hello\` and, once welcomed, stays idle but for the server's pings. Sockets held: those still open
  after the hold, none may drop. RSS per socket: the server process's \`VmRSS\` (\`/proc/<pid>/status\`) after the
  sockets were welcomed, less before they were opened (after the sessions were created), each read 5 s after the last
  change and after a full garbage collection, divided by the sockets ("with its session": less before the sessions were
  created). Longest task: a probe loaded into the server process by the tool (\`--import\`; the server's own code is
  unchanged) runs a 5 ms timer during the hold and reads, at each tick, how long the server's main thread ran since the
  last (\`/proc/<pid>/task/<pid>/schedstat\`): the most is the longest stretch of the server's own work (heartbeat pings,
  their pongs, timers, sweeps) that kept the event loop from other work. Beside it, the longest stall by the clock
  (\`monitorEventLoopDelay\`, 5 ms resolution) and how much of it the main thread waited for a core: on two cores
  shared with the clients (and other work), wall-clock stalls include time the server was ready but not running.`,
    run: measureIdleHosts,
  },
  {
    id: 'redis-sessions',
    description: `**Session creations on Redis** — as the file store's above (as many, ${CREATE_CONCURRENCY} in flight, from the same
  addresses), on one server whose store is a Redis the tool starts: Debian's \`redis-server\` on a free loopback port,
  its append-only file in a temporary directory, \`appendfsync always\` (every write on disk before Redis answers, as the
  file store syncs its journal before a server answers). CPU per creation, here and below: \`utime + stime\` of the
  process (\`/proc/<pid>/stat\`, every thread) over what is counted, divided by it.`,
    run: measureRedisSessions,
  },
  {
    id: 'guest-joins',
    description: `**Guest joins** — on three deployments in turn: one server on the file store, one server on Redis, and two
  servers on one Redis sharing one data directory, each server a process of its own whose public URL is the first
  one's. ${Math.ceil((WARMUP_JOINS + JOINS) / GUESTS_PER_SESSION).toLocaleString('en')} sessions are created and each host says \`host-hello\` on a socket; then guests join, N in flight
  (\`LOAD_JOINS_IN_FLIGHT\`): the host sends \`create-link\`, a new guest socket (from one of many 127.x addresses taken in
  turn, ${JOIN_SOCKETS_PER_ADDRESS} at most from each) sends \`guest-join\` with the link's token, and the join is done at \`joined\`; a session gets at most
  ${GUESTS_PER_SESSION} guests, whose sockets stay open, and each host must have been told of each (\`guest-joined\`). ${WARMUP_JOINS} joins warm
  up, then joins are counted for ${JOIN_SECONDS} s or ${JOINS.toLocaleString('en')} joins, whichever ends first. On two servers session s's host is on
  server s mod 2 and its k-th guest on server (s + k) mod 2: both servers take hosts and guests, as a round-robin
  balancer would place them, and a session's guests k = 1 and 3 (2 of its 5) join on the other server than its host's.
  Each deployment is measured twice, in the order A B C C B A, and keeps its better run (the machine's other work comes and goes). The client, the
  servers and Redis share the machine's two cores: the measured ratio is bounded by them, so beside it is the ratio
  by CPU, 2 × (one server's CPU per join) ÷ (both servers' CPU per join, together): what two servers would do against
  one with a core each and Redis and the clients elsewhere, were joins bound by the servers' CPU. Waited for a core:
  how long each process's main thread was ready to run but had no core (\`/proc/<pid>/schedstat\`), as a share of the
  time counted.`,
    run: measureGuestJoins,
  },
  {
    id: 'signal-latency',
    description: `**Signal latency** — on the same three deployments: ${PAIRS} sessions, each with its host and one guest
  (joined through a link); on two servers the hosts are on the first and the guests on the second, so that every signal
  crosses from one to the other through Redis pub/sub (on one server on Redis too, a server publishes what it
  delivers, its own sockets' messages included). Each pair sends ${SIGNALS_PER_SECOND} signals a second (an ICE candidate carrying a
  sequence number), host and guest in turn, for ${SIGNAL_WARMUP_SECONDS} s not counted and then ${SIGNAL_SECONDS} s; a signal's latency is from just
  before its send to the \`message\` event at the other end, both ends in one client process (one clock). Lost: not
  arrived 2 s after the last was sent. Each deployment is measured twice (A B C C B A) and keeps its run with the lower
  p99. Beside it: the client's own event-loop delay (a callback that runs late adds to what it measures), the
  servers' CPU per signal, and how long each process waited for a core.`,
    run: measureSignalLatency,
  },
];

function readCount(name: string, fallback: number, max: number): number {
  const text = process.env[name]?.trim();
  if (!text) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be an integer from 1 to ${max}, got "${text}"`);
  return n;
}

/** LOAD_DEPLOYMENTS: some of file, redis-1, redis-2 (default all). */
function readDeployments(): DeploymentKind[] {
  const text = process.env.LOAD_DEPLOYMENTS?.trim();
  if (!text) return DEPLOYMENTS;
  const picked = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = picked.filter((k) => !DEPLOYMENTS.includes(k as DeploymentKind));
  if (unknown.length > 0 || picked.length === 0) throw new Error(`LOAD_DEPLOYMENTS: unknown ${unknown.join(', ')}; deployments: ${DEPLOYMENTS.join(', ')}`);
  return DEPLOYMENTS.filter((k) => picked.includes(k));
}

async function main(): Promise<void> {
  const root = join(new URL('.', import.meta.url).pathname, '../..');
  const only = process.env.LOAD_ONLY?.split(',').map((s) => s.trim()).filter(Boolean) ?? null;
  const unknown = only?.filter((id) => !SCENARIOS.some((s) => s.id === id)) ?? [];
  if (unknown.length > 0) throw new Error(`LOAD_ONLY: unknown ${unknown.join(', ')}; scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  // LOAD_SERVER_ROOT: load the built server of another checkout (e.g. to compare before and after a change).
  const serverRoot = process.env.LOAD_SERVER_ROOT?.trim() || root;
  const ctx: LoadContext = {
    root: serverRoot,
    probeFile: join(root, 'bench/load/loop-probe.mjs'),
    clientFile: join(root, 'dist/bench/load-host-client.mjs'),
    peerClientFile: join(root, 'dist/bench/load-peer-client.mjs'),
    options: {
      sockets: readCount('LOAD_SOCKETS', DEFAULT_SOCKETS, MAX_SOCKETS),
      holdSeconds: readCount('LOAD_HOLD_SECONDS', DEFAULT_HOLD_SECONDS, MAX_HOLD_SECONDS),
      heapSnapshotDir: process.env.LOAD_HEAP_SNAPSHOTS?.trim() ? resolve(process.env.LOAD_HEAP_SNAPSHOTS.trim()) : null,
      joinsInFlight: readCount('LOAD_JOINS_IN_FLIGHT', DEFAULT_JOINS_IN_FLIGHT, MAX_JOINS_IN_FLIGHT),
      deployments: readDeployments(),
    },
    log: (line) => console.log(`[load] ${line}`),
  };
  if (ctx.options.heapSnapshotDir) mkdirSync(ctx.options.heapSnapshotDir, { recursive: true });
  const started = Date.now();
  const loadAtStart = loadavg();
  const selected = SCENARIOS.filter((s) => !only || only.includes(s.id));
  const figures: LoadFigure[] = [];
  for (const scenario of selected) {
    try {
      figures.push(...await scenario.run(ctx));
    } catch (err) {
      figures.push({ id: scenario.id, title: scenario.id, value: '—', target: '—', pass: null, error: (err as Error).stack ?? String(err) });
    }
  }
  // Rows of one figure on several deployments side by side: session creations on Redis right after the file store's.
  const at = figures.findIndex((f) => f.id === 'session-create');
  const redisRow = figures.findIndex((f) => f.id === 'session-create-redis');
  if (at >= 0 && redisRow > at + 1) figures.splice(at + 1, 0, ...figures.splice(redisRow, 1));
  const report: LoadReport = {
    date: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    only,
    machine: machine(raisedFdLimit().limit),
    loadAverage: { start: loadAtStart, end: loadavg() },
    descriptions: selected.map((s) => ({ id: s.id, description: s.description })),
    figures,
  };
  printLoadTable(report);
  // A run on another checkout's server, with heap snapshots, Node flags, fewer deployments or another Redis is not the
  // figure of this one: partial results only.
  const different = [
    serverRoot !== root ? `server of ${serverRoot}` : null,
    ctx.options.heapSnapshotDir !== null ? 'heap snapshots' : null,
    process.env.LOAD_SERVER_NODE_FLAGS?.trim() ? `node ${process.env.LOAD_SERVER_NODE_FLAGS.trim()}` : null,
    ctx.options.deployments.length < DEPLOYMENTS.length ? `deployments ${ctx.options.deployments.join(', ')}` : null,
    process.env.LOAD_REDIS_APPENDFSYNC?.trim() ? `appendfsync ${process.env.LOAD_REDIS_APPENDFSYNC.trim()}` : null,
  ].filter((d): d is string => d !== null);
  writeLoadReport(root, different.length > 0 ? { ...report, only: [...(only ?? []), ...different] } : report);
  process.exitCode = figures.some((f) => f.pass === null) ? 1 : 0;
}

const deadline = setTimeout(() => {
  console.error(`[load] the run took longer than ${RUN_DEADLINE_MS / 60_000} minutes: stopped`);
  process.exit(1);
}, RUN_DEADLINE_MS);
deadline.unref();
main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
