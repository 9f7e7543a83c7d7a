// Load as guests are added to one host session, all direct or all relayed:
// at each guest count, the fan-out series (host upload and CPU per batch) and,
// on a relayed server running as its own process, the server's CPU over the
// guests' joins and over a window of typical activity.

import type { Browser } from 'playwright-core';
import { startCwmnProcess, startSite, type CwmnProcess } from '../test/e2e/harness.js';
import {
  addGuests, FanOutHost, launchMeasuredBrowser, runFanOutSeries, type Connection, type FanOutPoint, type FanOutSeries, type MeasuredBrowser,
} from './fan-out.js';
import { installUploadCounter } from './probes.js';
import { processCpuMs } from './proc-cpu.js';
import { sleep, startHostSession, waitForGuestCount, type Guest } from './session.js';
import { runTypicalActivity, type TypicalActivity } from './typical-session.js';

/** Server CPU at one guest count. */
export interface ServerCpuPoint {
  guests: number;
  /** Guests that joined just before (the join window), and the server CPU those joins took, ms. */
  joins: number;
  joinCpuMs: number;
  activity: TypicalActivity;
  /** Server CPU over the activity window, ms. */
  activityCpuMs: number;
  /** activityCpuMs less the server's quiet CPU (`LoadRun.serverQuietMsPerSecond`) over the same time, scaled to a minute, per guest. */
  msPerGuestMinute: number;
}

export interface LoadRun {
  points: FanOutPoint[];
  serverCpu: ServerCpuPoint[];
  /** Server CPU per second with the host's session open and no guest yet (timers, the host's sockets), ms. */
  serverQuietMsPerSecond: number | null;
  /** Joins made again because the first one did not go live in time: why each did not. */
  retriedJoins: string[];
  /** Why the run stopped before its last guest count (what it measured until then is kept). */
  error: string | null;
}

export interface LoadOptions {
  hostBrowser: MeasuredBrowser;
  guestBrowser: Browser;
  siteUrl: string;
  nodes: number;
  /** Guest counts to measure at, ascending. */
  counts: readonly number[];
  /** The fan-out series to run at each count; null: none. */
  series: FanOutSeries | null;
  /** The server's process and the counts at which to read its CPU over typical activity. */
  server?: { pid: number; cpuAt: readonly number[]; activitySeconds: number };
  /** Guests opening their links at once. */
  parallelJoins: number;
  label: string;
  /** How every guest must be connected. */
  connection: Connection;
  /** Where progress goes (a line per guest count). */
  log?: (line: string) => void;
}

/** How long the server's quiet CPU is read, ms. */
export const SERVER_QUIET_MS = 5_000;

/** Adds guests up to each count in turn and measures there; stops at the first failure. */
export async function measureLoad(o: LoadOptions): Promise<LoadRun> {
  const run: LoadRun = { points: [], serverCpu: [], serverQuietMsPerSecond: null, retriedJoins: [], error: null };
  const host = await startHostSession(o.hostBrowser.browser, o.siteUrl, o.nodes, installUploadCounter);
  const guests: Guest[] = [];
  try {
    const fanOutHost = await FanOutHost.attach(host.page, o.hostBrowser.pid);
    if (o.server) {
      const cpu0 = processCpuMs(o.server.pid);
      const started = Date.now();
      await sleep(SERVER_QUIET_MS);
      run.serverQuietMsPerSecond = (processCpuMs(o.server.pid) - cpu0) / ((Date.now() - started) / 1000);
    }
    for (const count of o.counts) {
      const started = Date.now();
      const took = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
      const steps: string[] = [];
      const joins = count - guests.length;
      const watchCpu = o.server !== undefined && o.server.cpuAt.includes(count);
      const cpu0 = watchCpu ? processCpuMs(o.server!.pid) : 0;
      const { guests: added, retried } = await addGuests(o.guestBrowser, host.page, joins, `${o.label}-${count}`, o.parallelJoins, o.connection);
      guests.push(...added);
      run.retriedJoins.push(...retried);
      await waitForGuestCount(host.page, count, 20_000);
      steps.push(`${joins} joins at ${took()}`);
      if (watchCpu) {
        const cpu1 = processCpuMs(o.server!.pid);
        const activity = await runTypicalActivity(host.page, guests.map((g) => g.page), o.server!.activitySeconds);
        const activityCpuMs = processCpuMs(o.server!.pid) - cpu1;
        const quietMs = (run.serverQuietMsPerSecond ?? 0) * (activity.ms / 1000);
        run.serverCpu.push({
          guests: count, joins, joinCpuMs: cpu1 - cpu0, activity, activityCpuMs,
          msPerGuestMinute: (activityCpuMs - quietMs) * (60_000 / activity.ms) / count,
        });
        steps.push(`typical activity until ${took()}`);
      }
      if (o.series) {
        run.points.push(await runFanOutSeries(fanOutHost, guests.map((g) => g.page), o.series));
        steps.push(`series until ${took()}`);
      }
      o.log?.(`${o.label}, ${count} guest${count > 1 ? 's' : ''}: ${steps.join(', ')}`);
    }
  } catch (err) {
    run.error = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  } finally {
    await Promise.all(guests.map((g) => g.close()));
    await host.close();
  }
  return run;
}

export interface RelayLoadOptions {
  guestBrowser: Browser;
  /** The host page's site on the run's (direct) server. */
  directSiteUrl: string;
  nodes: number;
  parallelJoins: number;
  /** The relay server's `CWMN_GUEST_GRACE_SECONDS`. */
  graceSeconds: number;
  /** Guest counts and series of the fan-out; null: no fan-out. */
  fanOut: { counts: readonly number[]; series: FanOutSeries } | null;
  /** Guest counts at which the relay server's CPU is read over typical activity; null: not read. */
  serverCpu: { counts: readonly number[]; activitySeconds: number } | null;
  log?: (line: string) => void;
}

/**
 * The fan-out with everyone direct (on the run's server), then everyone
 * relayed, on a relay server (`CWMN_RELAY=always`) running as a process of its
 * own, whose CPU is read; the host runs in a browser of its own.
 */
export async function measureRelayLoad(o: RelayLoadOptions): Promise<{ direct: LoadRun | null; relayed: LoadRun }> {
  let hostBrowser: MeasuredBrowser | undefined;
  let server: CwmnProcess | undefined;
  let site: { url: string; close(): Promise<void> } | undefined;
  try {
    hostBrowser = await launchMeasuredBrowser();
    const common = { hostBrowser, guestBrowser: o.guestBrowser, nodes: o.nodes, parallelJoins: o.parallelJoins, log: o.log };
    const direct = o.fanOut
      ? await measureLoad({ ...common, siteUrl: o.directSiteUrl, counts: o.fanOut.counts, series: o.fanOut.series, label: 'fan-out-direct', connection: 'direct' })
      : null;
    server = await startCwmnProcess({ CWMN_RELAY: 'always', CWMN_GUEST_GRACE_SECONDS: String(o.graceSeconds) });
    site = await startSite(server.url);
    const pid = server.pid;
    if (pid === undefined) throw new Error('the relay server process is not running');
    const relayed = await measureLoad({
      ...common, siteUrl: site.url, counts: o.fanOut?.counts ?? o.serverCpu?.counts ?? [], series: o.fanOut?.series ?? null,
      server: o.serverCpu ? { pid, cpuAt: o.serverCpu.counts, activitySeconds: o.serverCpu.activitySeconds } : undefined,
      label: 'fan-out-relayed', connection: 'relay',
    });
    return { direct, relayed };
  } finally {
    await site?.close();
    await server?.close();
    await hostBrowser?.browser.close();
  }
}
