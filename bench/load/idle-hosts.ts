// Idle host sockets on one server (file store): N sessions created through the
// HTTP API (their creation rate is a figure of its own), then one host socket
// per session that says host-hello and stays idle (answering pings) for the
// hold. Figures: sockets held with none dropped, resident memory per socket,
// the longest event-loop stall during the hold, session creations per second.

import { fork, type ChildProcess } from 'node:child_process';
import { ADDRESS_BLOCK } from './addresses.js';
import { processCpuMs } from '../proc-cpu.js';
import { createSessions, type CreationResult } from './create-sessions.js';
import type { HostClientReport, OpenHosts } from './host-client.js';
import { raisedFdLimit } from './process-stats.js';
import type { CommandStats } from './redis-info.js';
import type { LoadContext, LoadFigure } from './scenario.js';
import { startLoadServer } from './server-process.js';

/** Open files the server keeps for itself besides the sockets (listener, state journal, stdio, libuv). */
const SERVER_FD_RESERVE = 200;
/** Sockets per client process at most (each process has its own limit of open files). */
const SOCKETS_PER_CLIENT = 10_000;
/** Sockets per source address: under the server's 240 socket opens per minute per address. */
const SOCKETS_PER_ADDRESS = 200;
/** Sockets each client process opens at once. */
const CLIENT_CONCURRENCY = 64;
/** Session creations in flight at once. */
export const CREATE_CONCURRENCY = 16;
/** Creating the sessions, and opening the sockets, each stop after this long. */
const PHASE_DEADLINE_MS = 300_000;
/** Quiet time before memory is read, so that what opening left behind is collected. */
const SETTLE_MS = 5_000;

export const TARGETS = {
  socketsHeld: 20_000,
  rssPerSocketKiB: 8,
  stallMs: 20,
};

export async function measureIdleHosts(ctx: LoadContext): Promise<LoadFigure[]> {
  const server = await startLoadServer(ctx.root, ctx.probeFile, {
    // Sessions wait for their host for this long after their creation (default 30 s): opening thousands takes longer.
    CWMN_HOST_GRACE_SECONDS: '3600',
  }, { heapSnapshotDir: ctx.options.heapSnapshotDir });
  if (ctx.options.heapSnapshotDir) ctx.log(`heap snapshots (before the sockets, with them) go to ${ctx.options.heapSnapshotDir}`);
  const clients: ChildProcess[] = [];
  try {
    await sleep(SETTLE_MS);
    const emptyRss = (await server.read(true), server.stats().rss);
    const wanted = ctx.options.sockets;
    const count = Math.min(wanted, server.fdLimit - SERVER_FD_RESERVE);
    if (count < wanted) ctx.log(`the server may open ${server.fdLimit} files: ${count} sockets instead of ${wanted}`);

    ctx.log(`creating ${count} sessions through POST /api/sessions…`);
    const cpuBefore = processCpuMs(server.pid);
    const created = await createSessions(server.url, count, { concurrency: CREATE_CONCURRENCY, deadlineMs: PHASE_DEADLINE_MS });
    const serverMs = processCpuMs(server.pid) - cpuBefore;
    const perSecond = created.sessions.length / (created.elapsedMs / 1000);
    ctx.log(`${created.sessions.length} sessions in ${(created.elapsedMs / 1000).toFixed(1)} s (${perSecond.toFixed(0)}/s), ${created.failed} failed; `
      + `server CPU per creation ${(serverMs / Math.max(1, created.sessions.length)).toFixed(2)} ms`);
    const sessionsFigure = creationFigure('session-create', 'file store', created, { serverMs });

    await sleep(SETTLE_MS);
    const before = await server.read(true);
    await server.heapSnapshot();
    const beforeRss = server.stats().rss;

    const { prefix } = raisedFdLimit();
    const perClient = Math.min(SOCKETS_PER_CLIENT, raisedFdLimit().limit - SERVER_FD_RESERVE);
    const hosts = created.sessions;
    const wsUrl = `${server.url.replace(/^http/, 'ws')}/ws`;
    const progress: Array<Extract<HostClientReport, { type: 'progress' }>> = [];
    const opened: Array<Promise<void>> = [];
    ctx.log(`opening ${hosts.length} host sockets from ${Math.ceil(hosts.length / perClient)} client process(es)…`);
    const openStarted = Date.now();
    for (let first = 0, i = 0; first < hosts.length; first += perClient, i++) {
      const child = fork(ctx.clientFile, [], {
        execPath: 'sh', execArgv: ['-c', `${prefix} exec "${process.execPath}" "$0"`], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      clients.push(child);
      const slot = i;
      opened.push(new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('opening host sockets took too long')), PHASE_DEADLINE_MS);
        child.on('message', (m: HostClientReport) => {
          if (m.type !== 'progress') return;
          progress[slot] = m;
          if (m.done) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`a client process exited (${code}) while opening`));
        });
      }));
      const job: OpenHosts = {
        type: 'open', wsUrl, origin: new URL(server.url).origin, hosts: hosts.slice(first, first + perClient),
        block: ADDRESS_BLOCK.hostSockets, firstAddress: Math.ceil(first / SOCKETS_PER_ADDRESS), perAddress: SOCKETS_PER_ADDRESS,
        concurrency: CLIENT_CONCURRENCY, timeoutMs: 30_000,
      };
      child.send(job);
    }
    const ticker = setInterval(() => {
      const w = progress.reduce((n, p) => n + (p?.welcomed ?? 0), 0);
      ctx.log(`  ${w} welcomed, server ${server.stats().fds} open files`);
    }, 10_000);
    try {
      await Promise.all(opened);
    } finally {
      clearInterval(ticker);
    }
    const welcomed = progress.reduce((n, p) => n + p.welcomed, 0);
    const failed = progress.reduce((n, p) => n + p.failed, 0);
    const firstError = progress.find((p) => p.firstError)?.firstError ?? null;
    ctx.log(`${welcomed} host sockets welcomed in ${((Date.now() - openStarted) / 1000).toFixed(1)} s, ${failed} failed${firstError ? ` (${firstError})` : ''}`);
    const rampDelay = (await server.read()).delay;

    await sleep(SETTLE_MS);
    const after = await server.read(true);
    await server.heapSnapshot();
    const afterRss = server.stats().rss;
    const perSocket = (afterRss - beforeRss) / Math.max(1, welcomed);
    const perHost = (afterRss - emptyRss) / Math.max(1, welcomed);

    ctx.log(`holding ${welcomed} idle host sockets for ${ctx.options.holdSeconds} s…`);
    await server.resetDelay();
    await sleep(ctx.options.holdSeconds * 1000);
    const hold = await server.read();
    const drops = await Promise.all(clients.map((c) => ask<Extract<HostClientReport, { type: 'dropped' }>>(c, { type: 'report-drops' }, 'dropped')));
    const dropped = drops.reduce((n, d) => n + d.count, 0);
    const dropCodes = drops.reduce<Record<string, number>>((all, d) => {
      for (const [code, n] of Object.entries(d.codes)) all[code] = (all[code] ?? 0) + n;
      return all;
    }, {});
    const held = welcomed - dropped;
    const fds = server.stats().fds;
    ctx.log(`held ${held}, dropped ${dropped}; server stall max ${hold.delay.max} ms (p99 ${hold.delay.p99} ms)`);
    const holdStart = Date.now() - ctx.options.holdSeconds * 1000;
    ctx.log(`longest task ${hold.longestTaskMs ?? '?'} ms; longest stalls: ${hold.longest.map((s) => `${s.ms} ms (ran ${s.ranMs ?? '?'}, waited ${s.waitedMs ?? '?'}) at +${((s.endedAt - holdStart) / 1000).toFixed(1)} s`).join(', ') || 'none over 10 ms'}`);

    const kib = (b: number) => (b / 1024).toFixed(2);
    return [
      sessionsFigure,
      {
        id: 'idle-hosts',
        title: `Idle host sockets held ${ctx.options.holdSeconds} s`,
        value: `${held.toLocaleString('en')} held, ${dropped} dropped${failed ? `, ${failed} not opened` : ''}`,
        target: `≥ ${TARGETS.socketsHeld.toLocaleString('en')}, none dropped`,
        pass: welcomed > 0 ? held >= TARGETS.socketsHeld && dropped === 0 && failed === 0 : null,
        error: welcomed === 0 ? `no socket was welcomed: ${firstError}` : count < wanted ? `${wanted} asked, ${count} opened: the machine allows ${server.fdLimit} open files per process` : undefined,
        data: { wanted, opened: welcomed, failed, dropped, dropCodes, serverFdLimit: server.fdLimit, serverOpenFiles: fds, firstError },
      },
      {
        id: 'rss-per-socket',
        title: 'Server RSS per idle host socket',
        value: `${kib(perSocket)} KiB (with its session: ${kib(perHost)} KiB)`,
        target: `≤ ${TARGETS.rssPerSocketKiB} KiB`,
        pass: welcomed > 0 ? perSocket <= TARGETS.rssPerSocketKiB * 1024 : null,
        data: {
          rssEmpty: emptyRss, rssBefore: beforeRss, rssAfter: afterRss, sockets: welcomed,
          heapUsedPerSocket: Math.round((after.memory.heapUsed - before.memory.heapUsed) / Math.max(1, welcomed)),
          externalPerSocket: Math.round((after.memory.external - before.memory.external) / Math.max(1, welcomed)),
        },
      },
      {
        id: 'stall',
        title: `Longest server task, ${held.toLocaleString('en')} idle sockets with heartbeats`,
        value: hold.longestTaskMs === null
          ? `${hold.delay.max} ms stall (p99 ${hold.delay.p99} ms)`
          : `${hold.longestTaskMs} ms (longest stall ${hold.delay.max} ms${waitedText(hold)}; p99 ${hold.delay.p99} ms)`,
        target: `≤ ${TARGETS.stallMs} ms`,
        pass: hold.delay.count > 0 ? (hold.longestTaskMs ?? hold.delay.max) <= TARGETS.stallMs : null,
        data: { longestTaskMs: hold.longestTaskMs, hold: hold.delay, longest: hold.longest, whileOpening: rampDelay, resolutionMs: hold.resolutionMs },
      },
    ];
  } finally {
    await Promise.all(clients.map((c) => closeClient(c)));
    const stopMs = await server.stop();
    ctx.log(`server stopped in ${stopMs} ms`);
  }
}

/** The row of session creations through the HTTP API on `where`, with the CPU they took (ms, during the creations). */
export function creationFigure(
  id: string, where: string, created: CreationResult, cpu: { serverMs: number; redisMs?: number; redisCommands?: CommandStats },
): LoadFigure {
  const n = Math.max(1, created.sessions.length);
  const perSecond = created.sessions.length / (created.elapsedMs / 1000);
  const latencies = [...created.latenciesMs].sort((a, b) => a - b);
  const pct = (p: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? Number.NaN) * 10) / 10;
  const redis = cpu.redisMs === undefined ? '' : `, Redis ${(cpu.redisMs / n).toFixed(2)} ms`;
  return {
    id,
    title: `Session creations per second (HTTP API, ${where})`,
    value: `${perSecond.toFixed(0)}/s (p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, ${CREATE_CONCURRENCY} in flight; CPU per creation: server ${(cpu.serverMs / n).toFixed(2)} ms${redis})`,
    target: 'reported',
    pass: created.failed === 0 && created.sessions.length > 0 ? true : null,
    error: created.failed > 0 ? `${created.failed} creations failed, the first: ${created.firstError}` : undefined,
    data: {
      created: created.sessions.length, failed: created.failed, elapsedMs: Math.round(created.elapsedMs), concurrency: CREATE_CONCURRENCY,
      cpuMsPerCreation: { server: cpu.serverMs / n, ...(cpu.redisMs === undefined ? {} : { redis: cpu.redisMs / n }) },
      ...(cpu.redisCommands ? { redisCommandsPerCreation: Object.fromEntries(Object.entries(cpu.redisCommands).map(([k, v]) => [k, v.calls / n])) } : {}),
    },
  };
}

/** ", of which N ms waiting for a core" for the longest stall, when known. */
function waitedText(reading: { longest: Array<{ waitedMs: number | null }> }): string {
  const waited = reading.longest[0]?.waitedMs;
  return waited === null || waited === undefined ? '' : `, of which ${waited} ms waiting for a core`;
}

function ask<T>(child: ChildProcess, message: object, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`a client process did not answer ${type}`)), 30_000);
    const on = (m: { type: string }) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
    child.send(message);
  });
}

async function closeClient(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (child.connected) child.send({ type: 'close' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
