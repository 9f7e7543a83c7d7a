// Guest joins per second, on three deployments: one server on the file store,
// one server on Redis, two servers on one Redis. Sessions are created, each
// host says hello on a socket, then guests join through one-time links
// (create-link by the host → guest-join with its token → joined), a bounded
// number in flight, from many loopback addresses taken in turn. On two
// servers, session s's host is on server s mod 2 and its k-th guest on server
// (s + k) mod 2, as a round-robin balancer would place them: the servers share
// the work, and a session's guests 1 and 3 (2 of its 5) join on the other
// server than its host's. The servers' and Redis' CPU per join (from /proc) is
// the figure that does not depend on who else holds the machine's cores.

import { ADDRESS_BLOCK, addressPlan } from './addresses.js';
import { createSessions } from './create-sessions.js';
import { DEPLOYMENT_LABEL, measureEachTwice, startDeployment, type DeploymentKind } from './deployment.js';
import type { PeerReport } from './peer-client.js';
import { busText, commandsText, waitedShareText, waitedText } from './cpu-text.js';
import { startPeerProcess } from './peer-process.js';
import type { LoadContext, LoadFigure } from './scenario.js';

/** Joins counted per deployment at most, and for how long at most. */
export const JOINS = 10_000;
export const JOIN_SECONDS = 10;
/** Joins before the counted ones (connections warm, code compiled), not counted. */
export const WARMUP_JOINS = 300;
/** Guests per session at most: sessions are as many as the joins need. */
export const GUESTS_PER_SESSION = 5;
/** Guest sockets per source address: under the server's 240 socket opens per minute per address. */
export const JOIN_SOCKETS_PER_ADDRESS = 200;
const CREATE_CONCURRENCY = 16;
const PHASE_TIMEOUT_MS = 120_000;

export const TARGETS = { ratio: 2 };

export interface JoinRun {
  kind: DeploymentKind;
  joins: Extract<PeerReport, { type: 'joins' }>;
  perSecond: number;
  /** CPU per counted join, ms: all servers together, Redis, the client process. */
  serverMsPerJoin: number;
  redisMsPerJoin: number;
  clientMsPerJoin: number;
}

export async function measureJoins(ctx: LoadContext, kind: DeploymentKind): Promise<JoinRun> {
  const deployment = await startDeployment(ctx, kind);
  const peer = startPeerProcess(ctx.peerClientFile);
  try {
    const sessionCount = Math.ceil((WARMUP_JOINS + JOINS) / GUESTS_PER_SESSION);
    const created = await createSessions(deployment.servers[0]!.url, sessionCount, { concurrency: CREATE_CONCURRENCY, deadlineMs: PHASE_TIMEOUT_MS });
    if (created.sessions.length < sessionCount) throw new Error(`${created.sessions.length} of ${sessionCount} sessions created: ${created.firstError}`);
    const wsUrls = deployment.servers.map((s) => `${s.url.replace(/^http/, 'ws')}/ws`);
    const hosts = await peer.ask({
      type: 'hosts', wsUrls, origin: deployment.origin, hosts: created.sessions,
      addresses: addressPlan(ADDRESS_BLOCK.hostSockets, created.sessions.length, JOIN_SOCKETS_PER_ADDRESS), concurrency: 32,
    }, PHASE_TIMEOUT_MS);
    if (hosts.failed > 0) throw new Error(`${hosts.failed} host sockets not welcomed: ${hosts.firstError}`);
    ctx.log(`${DEPLOYMENT_LABEL[kind]}: ${created.sessions.length} sessions, their hosts welcomed in ${(hosts.elapsedMs / 1000).toFixed(1)} s; guests joining…`);
    const joins = await peer.ask({
      type: 'joins', wsUrls, origin: deployment.origin, maxJoins: JOINS, warmup: WARMUP_JOINS, seconds: JOIN_SECONDS, inFlight: ctx.options.joinsInFlight,
      addresses: addressPlan(ADDRESS_BLOCK.guestSockets, WARMUP_JOINS + JOINS, JOIN_SOCKETS_PER_ADDRESS),
      cpu: deployment.watch,
    }, PHASE_TIMEOUT_MS);
    deployment.check();
    const n = Math.max(1, joins.joined);
    const serverMs = joins.cpu.servers.reduce((a, b) => a + b, 0);
    const run: JoinRun = {
      kind, joins, perSecond: joins.joined / (joins.elapsedMs / 1000),
      serverMsPerJoin: serverMs / n, redisMsPerJoin: joins.cpu.redis / n, clientMsPerJoin: joins.cpu.client / n,
    };
    ctx.log(`${DEPLOYMENT_LABEL[kind]}: ${joins.joined} joins in ${(joins.elapsedMs / 1000).toFixed(1)} s (${run.perSecond.toFixed(0)}/s), ${joins.failed} failed${joins.firstError ? ` (${joins.firstError})` : ''}; `
      + `p50 ${joins.latency.p50} ms, p99 ${joins.latency.p99} ms (link p50 ${joins.parts.link.p50}, open ${joins.parts.open.p50}, join ${joins.parts.join.p50}); `
      + `CPU per join: servers ${run.serverMsPerJoin.toFixed(2)} ms (${joins.cpu.servers.map((c) => (c / n).toFixed(2)).join(' + ')}), Redis ${run.redisMsPerJoin.toFixed(2)} ms, client ${run.clientMsPerJoin.toFixed(2)} ms; `
      + `${waitedText(joins.cpu, joins.elapsedMs, kind !== 'file')}; hosts told ${joins.hostsTold}/${joins.joined}${kind === 'file' ? '' : `; Redis commands per join: ${commandsText(joins.cpu.redisCommands, n)}`}; bus per join: ${busText(joins.cpu, n)}`);
    return run;
  } finally {
    await peer.close();
    await deployment.stop();
  }
}

export async function measureGuestJoins(ctx: LoadContext): Promise<LoadFigure[]> {
  const kinds = ctx.options.deployments;
  // Each keeps its better run.
  const { runs, errors } = await measureEachTwice(kinds, (kind) => measureJoins(ctx, kind));
  const best = new Map([...runs].map(([kind, list]) => [kind, list.reduce((a, b) => (b.perSecond > a.perSecond ? b : a))]));
  const figures: LoadFigure[] = kinds.map((kind) => {
    const run = best.get(kind);
    const error = errors.get(kind);
    if (!run || error) {
      return { id: `guest-joins-${kind}`, title: `Guest joins per second (${DEPLOYMENT_LABEL[kind]})`, value: '—', target: 'reported', pass: null, error: error ?? 'not measured' };
    }
    return joinFigure(run, runs.get(kind)!);
  });
  const one = best.get('file');
  const oneRedis = best.get('redis-1');
  const two = best.get('redis-2');
  if (one && two) {
    const ratio = two.perSecond / one.perSecond;
    const ratioRedis = oneRedis ? two.perSecond / oneRedis.perSecond : Number.NaN;
    // With a core of its own for each server (Redis and the clients elsewhere), joins/s would go as 1 / server CPU per join.
    const byCpu = (2 * one.serverMsPerJoin) / two.serverMsPerJoin;
    const byCpuRedis = oneRedis ? (2 * oneRedis.serverMsPerJoin) / two.serverMsPerJoin : Number.NaN;
    figures.push({
      id: 'guest-joins-ratio',
      title: 'Guest joins per second, two servers on Redis ÷ one server',
      value: `${ratio.toFixed(2)}× one on the file store, ${ratioRedis.toFixed(2)}× one on Redis (measured, all on 2 shared cores); `
        + `by server CPU per join, with a core per server: ${byCpu.toFixed(2)}× and ${byCpuRedis.toFixed(2)}×`,
      target: `≥ ${TARGETS.ratio}× one server`,
      pass: ratio >= TARGETS.ratio,
      data: { measured: { vsFile: ratio, vsRedis: ratioRedis }, byServerCpu: { vsFile: byCpu, vsRedis: byCpuRedis } },
    });
  }
  return figures;
}

function joinFigure(run: JoinRun, all: JoinRun[]): LoadFigure {
  const { joins } = run;
  const cross = run.kind === 'redis-2' ? `, ${Math.round((joins.crossServer / Math.max(1, joins.joined)) * 100)}% across servers` : '';
  const redis = run.kind === 'file' ? '' : `, Redis ${run.redisMsPerJoin.toFixed(2)} ms`;
  return {
    id: `guest-joins-${run.kind}`,
    title: `Guest joins per second (${DEPLOYMENT_LABEL[run.kind]})`,
    value: `${run.perSecond.toFixed(0)}/s (${all.length > 1 ? `better of ${all.map((r) => r.perSecond.toFixed(0)).join(' and ')}; ` : ''}p50 ${joins.latency.p50} ms, p99 ${joins.latency.p99} ms, ${joins.inFlight} in flight${cross}; `
      + `CPU per join: server${run.kind === 'redis-2' ? 's' : ''} ${run.serverMsPerJoin.toFixed(2)} ms${redis}, client ${run.clientMsPerJoin.toFixed(2)} ms; `
      + `${waitedShareText(joins.cpu, joins.elapsedMs, run.kind !== 'file')})`,
    target: 'reported',
    pass: joins.joined > 0 && joins.failed === 0 && joins.hostsTold === joins.joined ? true : null,
    error: joins.failed > 0 ? `${joins.failed} joins failed, the first: ${joins.firstError}`
      : joins.hostsTold !== joins.joined ? `hosts were told of ${joins.hostsTold} of ${joins.joined} joins` : undefined,
    data: {
      joined: joins.joined, failed: joins.failed, elapsedMs: Math.round(joins.elapsedMs), inFlight: joins.inFlight, crossServer: joins.crossServer,
      latency: joins.latency, parts: joins.parts, hostsTold: joins.hostsTold, cpuMs: joins.cpu,
      msPerJoin: { servers: run.serverMsPerJoin, redis: run.redisMsPerJoin, client: run.clientMsPerJoin },
      runs: all.map((r) => ({ perSecond: r.perSecond, msPerJoin: { servers: r.serverMsPerJoin, redis: r.redisMsPerJoin, client: r.clientMsPerJoin } })),
    },
  };
}
