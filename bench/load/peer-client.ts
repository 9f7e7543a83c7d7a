// A process of the load tool that plays hosts and guests: host sockets that
// say host-hello, guests that join through one-time links the hosts ask for
// (create-link → guest-join → joined), and host ↔ guest pairs that exchange
// signals, timed from send to receipt on this process's one clock. It reads
// the servers' CPU time itself (/proc/<pid>/stat) at the edges of what it
// measures. Talks to the tool over IPC: one command at a time, one answer each.

import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { processCpuMs } from '../proc-cpu.js';
import { loopbackAddress, type AddressPlan } from './addresses.js';
import type { WatchedProcesses } from './deployment.js';
import { commandsBetween, commandStats, type CommandStats } from './redis-info.js';

/** CPU time spent during a measurement, ms; the commands Redis ran meanwhile. */
export interface CpuSpent {
  servers: number[];
  redis: number;
  client: number;
  /**
   * How long the main thread of each process was ready to run but waited for a core (/proc/<pid>/schedstat), ms:
   * on a machine shared with other work, time that adds to every latency and takes from every rate.
   */
  waited: { servers: number[]; redis: number; client: number };
  redisCommands: CommandStats;
  /** Messages each server published on the bus, and delivered from it to its listeners (`cwmn_bus_messages_total`). */
  bus: { out: number[]; in: number[] };
}

export type PeerCommand =
  /** Opens one host socket per session (session i on `wsUrls[i % wsUrls.length]`). */
  | { type: 'hosts'; wsUrls: string[]; origin: string; hosts: Array<{ sessionId: string; hostToken: string }>; addresses: AddressPlan; concurrency: number }
  /**
   * Guests join, `inFlight` at once, until `maxJoins` joined or `seconds` passed (after `warmup` joins not counted):
   * join j is for session s = j mod sessions (its k = ⌊j / sessions⌋-th), its guest on server (s + k) mod servers.
   */
  | { type: 'joins'; wsUrls: string[]; origin: string; maxJoins: number; warmup: number; seconds: number; inFlight: number; addresses: AddressPlan; cpu: WatchedProcesses }
  /** One guest for each of the first `pairs` hosts, on `wsUrl`. */
  | { type: 'pairs'; wsUrl: string; origin: string; pairs: number; addresses: AddressPlan; concurrency: number }
  /** Each pair sends `perSecond` signals for `seconds` (after `warmupSeconds` not counted), host and guest in turn. */
  | { type: 'signals'; perSecond: number; seconds: number; warmupSeconds: number; cpu: WatchedProcesses }
  | { type: 'close' };

/** Latency figures, ms. */
export interface Spread {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export type PeerReport =
  | { type: 'hosts'; welcomed: number; failed: number; firstError: string | null; elapsedMs: number }
  | {
    type: 'joins'; joined: number; failed: number; firstError: string | null; elapsedMs: number; inFlight: number;
    /** Joins whose guest was on another server than its host. */
    crossServer: number;
    /** create-link sent → joined received. */
    latency: Spread;
    /** Its parts: the link's reply, the guest socket's opening, and guest-join → joined. */
    parts: { link: Spread; open: Spread; join: Spread };
    /** guest-joined messages the hosts got for the measured joins, 2 s after the last. */
    hostsTold: number;
    cpu: CpuSpent;
  }
  | { type: 'pairs'; paired: number; failed: number; firstError: string | null }
  | {
    type: 'signals'; sent: number; received: number; lost: number; elapsedMs: number;
    hostToGuest: Spread; guestToHost: Spread; all: Spread;
    /** This process's event-loop delay while it measured (a late callback adds to what it measures), ms. */
    clientLoopDelay: { p50: number; p99: number; max: number };
    cpu: CpuSpent;
  }
  | { type: 'closed' };

const OPEN_TIMEOUT_MS = 15_000;

interface Host {
  ws: WebSocket;
  sessionId: string;
  server: number;
  nextRid: number;
  replies: Map<number, (reply: { ok: boolean; result?: { url: string }; error?: { code: string } }) => void>;
  guestsJoined: number;
  onSignal: ((text: string, at: number) => void) | null;
}

interface Guest {
  ws: WebSocket;
  guestId: string;
  onSignal: ((text: string, at: number) => void) | null;
}

const hosts: Host[] = [];
const guests: Guest[] = [];
/** Guest sockets opened so far: the next one's source address. */
let guestSockets = 0;

function send(report: PeerReport): void {
  process.send?.(report);
}

function addressOf(plan: AddressPlan, index: number): string {
  return loopbackAddress(plan.block, plan.firstAddress + (index % plan.addresses));
}

/** Opens a socket, sends `hello` once open, resolves with the first message (or rejects). */
function openSocket(url: string, origin: string, localAddress: string, hello: object): Promise<{ ws: WebSocket; first: string; openedAt: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { Origin: origin }, localAddress, perMessageDeflate: false });
    let openedAt = 0;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no answer in time'));
    }, OPEN_TIMEOUT_MS);
    ws.once('open', () => {
      openedAt = performance.now();
      ws.send(JSON.stringify(hello));
    });
    ws.once('message', (data) => {
      clearTimeout(timer);
      resolve({ ws, first: data.toString(), openedAt });
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    ws.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`closed (${code}) before an answer`));
    });
  });
}

async function openHosts(command: Extract<PeerCommand, { type: 'hosts' }>): Promise<void> {
  const started = performance.now();
  let next = 0;
  let welcomed = 0;
  let failed = 0;
  let firstError: string | null = null;
  await Promise.all(Array.from({ length: command.concurrency }, async () => {
    while (next < command.hosts.length) {
      const i = next++;
      const { sessionId, hostToken } = command.hosts[i]!;
      const server = i % command.wsUrls.length;
      try {
        const { ws, first } = await openSocket(command.wsUrls[server]!, command.origin, addressOf(command.addresses, i), {
          type: 'host-hello', v: PROTOCOL_VERSION, sessionId, hostToken,
        });
        if ((JSON.parse(first) as { type?: string }).type !== 'welcome') throw new Error(`answered ${first.slice(0, 200)}`);
        ws.removeAllListeners();
        const host: Host = { ws, sessionId, server, nextRid: 1, replies: new Map(), guestsJoined: 0, onSignal: null };
        ws.on('message', (data) => hostMessage(host, data.toString()));
        ws.on('error', () => {});
        hosts[i] = host;
        welcomed += 1;
      } catch (err) {
        failed += 1;
        firstError ??= (err as Error).message;
      }
    }
  }));
  send({ type: 'hosts', welcomed, failed, firstError, elapsedMs: performance.now() - started });
}

function hostMessage(host: Host, text: string): void {
  const at = performance.now();
  // Signals are the hot path of the latency measurement: looked at before any parsing.
  if (text.startsWith('{"type":"signal"')) {
    host.onSignal?.(text, at);
    return;
  }
  const message = JSON.parse(text) as { type: string; rid?: number; ok?: boolean; result?: { url: string }; error?: { code: string } };
  if (message.type === 'reply' && message.rid !== undefined) {
    const resolve = host.replies.get(message.rid);
    host.replies.delete(message.rid);
    resolve?.(message as { ok: boolean; result?: { url: string }; error?: { code: string } });
  } else if (message.type === 'guest-joined') host.guestsJoined += 1;
}

function createLink(host: Host): Promise<string> {
  return new Promise((resolve, reject) => {
    const rid = host.nextRid++;
    const timer = setTimeout(() => {
      host.replies.delete(rid);
      reject(new Error('create-link: no reply in time'));
    }, OPEN_TIMEOUT_MS);
    host.replies.set(rid, (reply) => {
      clearTimeout(timer);
      if (reply.ok && reply.result) resolve(reply.result.url);
      else reject(new Error(`create-link refused: ${reply.error?.code ?? '?'}`));
    });
    host.ws.send(JSON.stringify({ type: 'create-link', rid }));
  });
}

/** One guest joins `host`'s session on `wsUrl`: the times of its steps, from create-link sent. */
async function joinOne(host: Host, wsUrl: string, origin: string, plan: AddressPlan): Promise<{ link: number; open: number; join: number; total: number }> {
  const t0 = performance.now();
  const url = await createLink(host);
  const t1 = performance.now();
  const token = new URL(url).pathname.split('/').pop() ?? '';
  const { ws, first, openedAt } = await openSocket(wsUrl, origin, addressOf(plan, guestSockets++), {
    type: 'guest-join', v: PROTOCOL_VERSION, token, name: 'Load guest',
  });
  const t2 = performance.now();
  const joined = JSON.parse(first) as { type?: string; guestId?: string };
  if (joined.type !== 'joined' || !joined.guestId) {
    ws.terminate();
    throw new Error(`guest-join answered ${first.slice(0, 200)}`);
  }
  ws.removeAllListeners();
  const guest: Guest = { ws, guestId: joined.guestId, onSignal: null };
  ws.on('message', (data) => {
    const at = performance.now();
    const text = data.toString();
    if (text.startsWith('{"type":"signal"')) guest.onSignal?.(text, at);
  });
  ws.on('error', () => {});
  guests.push(guest);
  return { link: t1 - t0, open: openedAt - t1, join: t2 - openedAt, total: t2 - t0 };
}

async function runJoins(command: Extract<PeerCommand, { type: 'joins' }>): Promise<void> {
  const sessions = hosts.length;
  const servers = command.wsUrls.length;
  if (hosts.some((h) => h === undefined)) throw new Error('joins: a host socket was not opened');
  let next = 0;
  const place = (j: number) => {
    const s = j % sessions;
    const k = Math.floor(j / sessions);
    return { host: hosts[s]!, guestServer: (s + k) % servers };
  };
  let failed = 0;
  let firstError: string | null = null;
  let crossServer = 0;
  const times = { link: [] as number[], open: [] as number[], join: [] as number[], total: [] as number[] };
  const run = async (until: number, deadline: number, measured: boolean) => {
    await Promise.all(Array.from({ length: command.inFlight }, async () => {
      while (next < until && performance.now() < deadline) {
        const { host, guestServer } = place(next++);
        try {
          const t = await joinOne(host, command.wsUrls[guestServer]!, command.origin, command.addresses);
          if (!measured) continue;
          times.link.push(t.link);
          times.open.push(t.open);
          times.join.push(t.join);
          times.total.push(t.total);
          if (guestServer !== host.server) crossServer += 1;
        } catch (err) {
          if (!measured) throw err;
          failed += 1;
          firstError ??= (err as Error).message;
        }
      }
    }));
  };
  try {
    await run(command.warmup, Number.POSITIVE_INFINITY, false);
  } catch (err) {
    send({
      type: 'joins', joined: 0, failed: 1, firstError: `warm-up: ${(err as Error).message}`, elapsedMs: 0, inFlight: command.inFlight,
      crossServer: 0, latency: spread([]), parts: { link: spread([]), open: spread([]), join: spread([]) }, hostsTold: 0,
      cpu: { servers: [], redis: 0, client: 0, waited: { servers: [], redis: 0, client: 0 }, redisCommands: {}, bus: { out: [], in: [] } },
    });
    return;
  }
  await new Promise((r) => setTimeout(r, 1_000)); // What the warm-up left behind settles (the hosts' guest-joined).
  const toldBefore = hosts.reduce((n, h) => n + h.guestsJoined, 0);
  const cpu0 = await readCpu(command.cpu);
  const started = performance.now();
  await run(command.warmup + command.maxJoins, started + command.seconds * 1000, true);
  const elapsedMs = performance.now() - started;
  const cpu = await spentSince(command.cpu, cpu0);
  await new Promise((r) => setTimeout(r, 2_000));
  const hostsTold = hosts.reduce((n, h) => n + h.guestsJoined, 0) - toldBefore;
  send({
    type: 'joins', joined: times.total.length, failed, firstError, elapsedMs, inFlight: command.inFlight, crossServer,
    latency: spread(times.total), parts: { link: spread(times.link), open: spread(times.open), join: spread(times.join) }, hostsTold, cpu,
  });
}

async function makePairs(command: Extract<PeerCommand, { type: 'pairs' }>): Promise<void> {
  let next = 0;
  let paired = 0;
  let failed = 0;
  let firstError: string | null = null;
  const count = Math.min(command.pairs, hosts.length);
  await Promise.all(Array.from({ length: command.concurrency }, async () => {
    while (next < count) {
      const i = next++;
      try {
        await joinOne(hosts[i]!, command.wsUrl, command.origin, command.addresses);
        pairOf[i] = guests.length - 1;
        paired += 1;
      } catch (err) {
        failed += 1;
        firstError ??= (err as Error).message;
      }
    }
  }));
  send({ type: 'pairs', paired, failed, firstError });
}

/** Host i's guest of its pair: an index into `guests`. */
const pairOf: number[] = [];

async function runSignals(command: Extract<PeerCommand, { type: 'signals' }>): Promise<void> {
  const pairs = pairOf.map((g, i) => ({ host: hosts[i]!, guest: guests[g]! })).filter((p) => p.host && p.guest);
  const intervalMs = 1000 / command.perSecond;
  const capacity = Math.ceil(pairs.length * command.perSecond * (command.seconds + command.warmupSeconds + 1)) + pairs.length;
  const sentAt = new Float64Array(capacity);
  const receivedAt = new Float64Array(capacity);
  /** 1: host → guest, 2: guest → host. */
  const direction = new Uint8Array(capacity);
  let seq = 0;
  const received = (text: string, at: number) => {
    const m = /candidate:(\d+) /.exec(text);
    const n = m ? Number(m[1]) : -1;
    if (n >= 0 && n < seq && receivedAt[n] === 0) receivedAt[n] = at;
  };
  for (const { host, guest } of pairs) {
    host.onSignal = received;
    guest.onSignal = received;
  }
  const signal = (n: number) => ({ candidate: { candidate: `candidate:${n} 1 udp 2122260223 192.0.2.1 ${40000 + (n % 20000)} typ host`, sdpMid: '0', sdpMLineIndex: 0 } });
  const start = performance.now();
  const measureFrom = start + command.warmupSeconds * 1000;
  const stopAt = measureFrom + command.seconds * 1000;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const measuring: { cpu0: Promise<CpuReading> | null } = { cpu0: null };
  let firstMeasured = -1;
  await new Promise<void>((resolve) => {
    let running = pairs.length;
    pairs.forEach(({ host, guest }, p) => {
      let turn = 0;
      const tick = () => {
        const now = performance.now();
        if (now >= stopAt || seq >= capacity) {
          clearInterval(timer);
          if (--running === 0) resolve();
          return;
        }
        if (now >= measureFrom && measuring.cpu0 === null) {
          measuring.cpu0 = readCpu(command.cpu);
          loop.enable();
        }
        if (now >= measureFrom && firstMeasured < 0) firstMeasured = seq;
        const n = seq++;
        const fromHost = turn++ % 2 === 0;
        direction[n] = fromHost ? 1 : 2;
        sentAt[n] = performance.now();
        if (fromHost) host.ws.send(JSON.stringify({ type: 'signal', to: guest.guestId, data: signal(n) }));
        else guest.ws.send(JSON.stringify({ type: 'signal', data: signal(n) }));
      };
      // Pairs start spread over one interval, so sends are spread evenly in time.
      let timer: ReturnType<typeof setInterval>;
      setTimeout(() => {
        timer = setInterval(tick, intervalMs);
      }, (p / pairs.length) * intervalMs);
    });
  });
  const elapsedMs = performance.now() - measureFrom;
  const cpu = await spentSince(command.cpu, await (measuring.cpu0 ?? readCpu(command.cpu)));
  loop.disable();
  await new Promise((r) => setTimeout(r, 2_000)); // Signals still on their way.
  const toGuest: number[] = [];
  const toHost: number[] = [];
  let lost = 0;
  const from = Math.max(0, firstMeasured);
  for (let n = from; n < seq; n++) {
    if (receivedAt[n] === 0) {
      lost += 1;
      continue;
    }
    (direction[n] === 1 ? toGuest : toHost).push(receivedAt[n]! - sentAt[n]!);
  }
  for (const { host, guest } of pairs) {
    host.onSignal = null;
    guest.onSignal = null;
  }
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  send({
    type: 'signals', sent: seq - from, received: toGuest.length + toHost.length, lost, elapsedMs,
    hostToGuest: spread(toGuest), guestToHost: spread(toHost), all: spread([...toGuest, ...toHost]),
    clientLoopDelay: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
    cpu,
  });
}

interface CpuReading {
  servers: number[];
  redis: number;
  client: number;
  waited: { servers: number[]; redis: number; client: number };
  commands: CommandStats;
  bus: Array<{ out: number; in: number }>;
}

/** What a server's bus carried so far, from its `/metrics` (NaN when it does not say). */
async function busCounts(metricsUrl: string): Promise<{ out: number; in: number }> {
  const text = await fetch(metricsUrl).then((r) => r.text(), () => '');
  const count = (direction: string) => Number(new RegExp(`^cwmn_bus_messages_total\\{direction="${direction}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { out: count('out'), in: count('in') };
}

/** How long the main thread of `pid` waited for a core so far (the second field of /proc/<pid>/schedstat), ms; NaN when unknown. */
function waitedMs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** Reads the servers' bus counters and Redis' commands first, the CPU times last; `spentSince` reads them the other way round. */
async function readCpu(pids: WatchedProcesses): Promise<CpuReading> {
  const bus = await Promise.all(pids.metricsUrls.map(busCounts));
  const commands = pids.redisPort === null ? {} : await commandStats(pids.redisPort);
  return { ...readTimes(pids), commands, bus };
}

function readTimes(pids: WatchedProcesses): Omit<CpuReading, 'commands' | 'bus'> {
  const own = process.cpuUsage();
  return {
    servers: pids.servers.map((pid) => processCpuMs(pid)),
    redis: pids.redis === null ? 0 : processCpuMs(pids.redis),
    client: (own.user + own.system) / 1000,
    waited: {
      servers: pids.servers.map((pid) => waitedMs(pid)),
      redis: pids.redis === null ? 0 : waitedMs(pids.redis),
      client: waitedMs(process.pid),
    },
  };
}

async function spentSince(pids: WatchedProcesses, before: CpuReading): Promise<CpuSpent> {
  const times = readTimes(pids);
  const commands = pids.redisPort === null ? {} : await commandStats(pids.redisPort);
  const bus = await Promise.all(pids.metricsUrls.map(busCounts));
  const now: CpuReading = { ...times, commands, bus };
  return {
    servers: now.servers.map((ms, i) => ms - before.servers[i]!),
    redis: now.redis - before.redis,
    client: Math.round(now.client - before.client),
    waited: {
      servers: now.waited.servers.map((ms, i) => Math.round(ms - before.waited.servers[i]!)),
      redis: Math.round(now.waited.redis - before.waited.redis),
      client: Math.round(now.waited.client - before.waited.client),
    },
    redisCommands: commandsBetween(before.commands, now.commands),
    bus: { out: now.bus.map((b, i) => b.out - before.bus[i]!.out), in: now.bus.map((b, i) => b.in - before.bus[i]!.in) },
  };
}

export function spread(values: number[]): Spread {
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => (sorted.length === 0 ? Number.NaN : round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!));
  return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.length === 0 ? Number.NaN : round(sorted[sorted.length - 1]!) };
}

const round = (x: number) => Math.round(x * 100) / 100;

let busy: Promise<void> = Promise.resolve();
process.on('message', (command: PeerCommand) => {
  busy = busy.then(async () => {
    if (command.type === 'hosts') await openHosts(command);
    else if (command.type === 'joins') await runJoins(command);
    else if (command.type === 'pairs') await makePairs(command);
    else if (command.type === 'signals') await runSignals(command);
    else if (command.type === 'close') {
      for (const h of hosts) h?.ws.terminate();
      for (const g of guests) g.ws.terminate();
      send({ type: 'closed' });
      setTimeout(() => process.exit(0), 100);
    }
  }).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
