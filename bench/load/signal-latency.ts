// Signal forwarding latency: host ↔ guest pairs, each joined through a
// one-time link, exchange signals (ICE candidates carrying a sequence number)
// at a steady rate, host and guest in turn; each is timed from just before
// its send to its receipt, both ends in one client process (one clock). On
// one server the guest is on the host's server; on two servers on Redis the
// host is on the first and the guest on the second, so every signal crosses
// from one server to the other through Redis pub/sub.

import { ADDRESS_BLOCK, addressPlan } from './addresses.js';
import { createSessions } from './create-sessions.js';
import { DEPLOYMENT_LABEL, measureEachTwice, startDeployment, type DeploymentKind } from './deployment.js';
import { busText, commandsText, waitedShareText, waitedText } from './cpu-text.js';
import type { PeerReport } from './peer-client.js';
import { startPeerProcess } from './peer-process.js';
import type { LoadContext, LoadFigure } from './scenario.js';

/** Host ↔ guest pairs, signals per second of each pair (both directions together), and how long they are timed. */
export const PAIRS = 200;
export const SIGNALS_PER_SECOND = 20;
export const SIGNAL_SECONDS = 10;
/** Signals before the timed ones (connections warm, code compiled), not counted. */
export const SIGNAL_WARMUP_SECONDS = 2;
const SOCKETS_PER_ADDRESS = 200;
const PHASE_TIMEOUT_MS = 120_000;

export const TARGETS = { crossServerP99Ms: 5 };

interface SignalRun {
  kind: DeploymentKind;
  signals: Extract<PeerReport, { type: 'signals' }>;
  serverMsPerSignal: number;
  redisMsPerSignal: number;
}

async function measureSignals(ctx: LoadContext, kind: DeploymentKind): Promise<SignalRun> {
  const deployment = await startDeployment(ctx, kind);
  const peer = startPeerProcess(ctx.peerClientFile);
  try {
    const [first, other] = [deployment.servers[0]!, deployment.servers[deployment.servers.length - 1]!];
    const created = await createSessions(first.url, PAIRS, { concurrency: 16, deadlineMs: PHASE_TIMEOUT_MS });
    if (created.sessions.length < PAIRS) throw new Error(`${created.sessions.length} of ${PAIRS} sessions created: ${created.firstError}`);
    const ws = (url: string) => `${url.replace(/^http/, 'ws')}/ws`;
    const hosts = await peer.ask({
      type: 'hosts', wsUrls: [ws(first.url)], origin: deployment.origin, hosts: created.sessions,
      addresses: addressPlan(ADDRESS_BLOCK.hostSockets, PAIRS, SOCKETS_PER_ADDRESS), concurrency: 16,
    }, PHASE_TIMEOUT_MS);
    if (hosts.failed > 0) throw new Error(`${hosts.failed} host sockets not welcomed: ${hosts.firstError}`);
    const pairs = await peer.ask({
      type: 'pairs', wsUrl: ws(other.url), origin: deployment.origin, pairs: PAIRS,
      addresses: addressPlan(ADDRESS_BLOCK.guestSockets, PAIRS, SOCKETS_PER_ADDRESS), concurrency: 16,
    }, PHASE_TIMEOUT_MS);
    if (pairs.failed > 0) throw new Error(`${pairs.failed} guests did not join: ${pairs.firstError}`);
    ctx.log(`${DEPLOYMENT_LABEL[kind]}: ${pairs.paired} host ↔ guest pairs${kind === 'redis-2' ? ' (hosts on the first server, guests on the second)' : ''}; signalling…`);
    const signals = await peer.ask({
      type: 'signals', perSecond: SIGNALS_PER_SECOND, seconds: SIGNAL_SECONDS, warmupSeconds: SIGNAL_WARMUP_SECONDS, cpu: deployment.watch,
    }, PHASE_TIMEOUT_MS);
    deployment.check();
    const n = Math.max(1, signals.sent);
    const run: SignalRun = {
      kind, signals,
      serverMsPerSignal: signals.cpu.servers.reduce((a, b) => a + b, 0) / n,
      redisMsPerSignal: signals.cpu.redis / n,
    };
    ctx.log(`${DEPLOYMENT_LABEL[kind]}: ${signals.received}/${signals.sent} signals in ${(signals.elapsedMs / 1000).toFixed(1)} s, ${signals.lost} lost; `
      + `p50 ${signals.all.p50} ms, p90 ${signals.all.p90} ms, p99 ${signals.all.p99} ms, max ${signals.all.max} ms `
      + `(host → guest p99 ${signals.hostToGuest.p99}, guest → host p99 ${signals.guestToHost.p99}); client loop delay p99 ${signals.clientLoopDelay.p99} ms, max ${signals.clientLoopDelay.max} ms; `
      + `CPU per signal: servers ${(run.serverMsPerSignal * 1000).toFixed(0)} µs (${signals.cpu.servers.map((c) => ((c / n) * 1000).toFixed(0)).join(' + ')}), Redis ${(run.redisMsPerSignal * 1000).toFixed(0)} µs, client ${((signals.cpu.client / n) * 1000).toFixed(0)} µs`
      + `; ${waitedText(signals.cpu, signals.elapsedMs, kind !== 'file')}`
      + `${kind === 'file' ? '' : `; Redis commands per signal: ${commandsText(signals.cpu.redisCommands, n)}`}; bus per signal: ${busText(signals.cpu, n)}`);
    return run;
  } finally {
    await peer.close();
    await deployment.stop();
  }
}

export async function measureSignalLatency(ctx: LoadContext): Promise<LoadFigure[]> {
  const kinds = ctx.options.deployments;
  // Each keeps its lower p99.
  const { runs, errors } = await measureEachTwice(kinds, (kind) => measureSignals(ctx, kind));
  return kinds.map((kind): LoadFigure => {
    const list = runs.get(kind) ?? [];
    const title = `Signal latency host ↔ guest, p50 / p99 (${kind === 'redis-2' ? 'across two servers on Redis' : `within ${DEPLOYMENT_LABEL[kind]}`})`;
    const target = kind === 'redis-2' ? `p99 ≤ ${TARGETS.crossServerP99Ms} ms` : 'reported';
    const error = errors.get(kind);
    if (list.length === 0 || error) return { id: `signal-latency-${kind}`, title, value: '—', target, pass: null, error: error ?? 'not measured' };
    const run = list.reduce((a, b) => (b.signals.all.p99 < a.signals.all.p99 ? b : a));
    const { signals } = run;
    const measured = signals.all.count > 0;
    const lostText = signals.lost > 0 ? `, ${signals.lost} of ${signals.sent} lost` : '';
    return {
      id: `signal-latency-${kind}`,
      title,
      value: `${signals.all.p50} / ${signals.all.p99} ms (${list.length > 1 ? `better of p99 ${list.map((r) => r.signals.all.p99).join(' and ')}; ` : ''}`
        + `max ${signals.all.max} ms; ${PAIRS} pairs × ${SIGNALS_PER_SECOND}/s for ${SIGNAL_SECONDS} s${lostText}; `
        + `server CPU ${(run.serverMsPerSignal * 1000).toFixed(0)} µs per signal${kind === 'file' ? '' : `, Redis ${(run.redisMsPerSignal * 1000).toFixed(0)} µs`}; `
        + `client's own loop delay p99 ${signals.clientLoopDelay.p99} ms; ${waitedShareText(signals.cpu, signals.elapsedMs, kind !== 'file')})`,
      target,
      pass: !measured ? null : signals.lost > 0 ? false : kind === 'redis-2' ? signals.all.p99 <= TARGETS.crossServerP99Ms : true,
      error: signals.lost > 0 ? `${signals.lost} of ${signals.sent} signals did not arrive within 2 s` : undefined,
      data: {
        pairs: PAIRS, perSecond: SIGNALS_PER_SECOND, seconds: SIGNAL_SECONDS,
        sent: signals.sent, received: signals.received, lost: signals.lost, all: signals.all,
        hostToGuest: signals.hostToGuest, guestToHost: signals.guestToHost, clientLoopDelay: signals.clientLoopDelay,
        cpuMs: signals.cpu, usPerSignal: { servers: run.serverMsPerSignal * 1000, redis: run.redisMsPerSignal * 1000 },
        runs: list.map((r) => ({ all: r.signals.all, lost: r.signals.lost, clientLoopDelay: r.signals.clientLoopDelay })),
      },
    };
  });
}
