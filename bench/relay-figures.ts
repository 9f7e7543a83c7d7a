// The relay's figures: what is measured on a relayed session alone (the
// bytes through the server), and how each relayed figure is set beside the
// direct one of the same run.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Browser, Page } from 'playwright-core';
import type { RelayCounters } from '../signaling/relay/relay-switch.js';
import type { FanOutPoint, FanOutSeries } from './fan-out.js';
import type { PairedSamples } from './latency.js';
import type { LoadRun } from './relay-load.js';
import type { FanOutReport, Figure } from './report.js';
import { inviteLink, openGuest, sleep, waitForGuestCount } from './session.js';
import { summarize } from './stats.js';
import { runTypicalActivity, TYPICAL_RATES, type TypicalActivity } from './typical-session.js';

/** Fails unless the viewer says its page data comes through the relay. */
export async function expectRelayed(guest: Page): Promise<void> {
  const connection = await guest.evaluate(() => document.body.dataset.connection ?? null);
  if (connection !== 'relay') throw new Error(`the guest was to be relayed, but its connection is ${connection ?? 'unknown'}`);
}

/** A relayed measurement, with the event-loop delay of this process (which runs the relay server) meanwhile. */
export interface OnEventLoop<T> {
  result: T;
  /** p99 of the delay past the 10 ms sampling interval, ms. */
  eventLoopP99Ms: number;
}

/** Runs `measure` while watching this process's event loop: relayed frames wait on it. */
export async function watchingEventLoop<T>(measure: () => Promise<T>): Promise<OnEventLoop<T>> {
  const RESOLUTION_MS = 10;
  const loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  loop.enable();
  try {
    const result = await measure();
    return { result, eventLoopP99Ms: Math.max(0, Math.round(loop.percentile(99) / 1e5 - RESOLUTION_MS * 10) / 10) };
  } finally {
    loop.disable();
  }
}

/**
 * A relayed latency figure beside the direct one of the same run. Its target:
 * at most `maxLostShare` unmatched, and with `slackMs`, p95 ≤ direct p95 + slack.
 */
export function setRelayLatency(
  f: Figure, measured: OnEventLoop<PairedSamples>, direct: PairedSamples | undefined, maxLostShare: number, slackMs?: number,
): void {
  const relayed = measured.result;
  const s = summarize(relayed.samples);
  if (s.n === 0) throw new Error(`no event arrived (${relayed.lost} sent)`);
  const d = direct && direct.samples.length > 0 ? summarize(direct.samples) : null;
  f.value = `p50 ${s.p50} ms, p95 ${s.p95} ms (n=${s.n}${relayed.lost ? `, ${relayed.lost} unmatched` : ''}); direct ${d ? `p50 ${d.p50} ms, p95 ${d.p95} ms` : 'not measured'}`
    + `; server event loop p99 ${measured.eventLoopP99Ms} ms`;
  const complete = relayed.lost <= maxLostShare * (s.n + relayed.lost);
  f.pass = complete && (slackMs === undefined || (d !== null && s.p95 <= d.p95 + slackMs));
  if (slackMs !== undefined && d === null) f.error = 'the direct figure it is compared with was not measured';
  f.data = { ...s, lost: relayed.lost, samples: relayed.samples.map((v) => Math.round(v * 10) / 10), direct: d, eventLoopP99Ms: measured.eventLoopP99Ms };
}

/** Bytes through the relay server (received from + written to relay sockets) over a relayed guest's join and a typical session. */
export interface ServerBytes {
  joinBytes: { in: number; out: number };
  /** Over the activity, scaled to a minute. */
  bytesPerMinute: { in: number; out: number };
  activity: TypicalActivity;
}

/**
 * A relayed guest joins `host`'s session (no other guest in it), then a typical
 * session runs for `seconds`: the relay server's counters are read before the
 * join, after it and after the activity.
 */
export async function measureServerBytes(browser: Browser, host: Page, counters: Readonly<RelayCounters>, seconds: number): Promise<ServerBytes> {
  await waitForGuestCount(host, 0, 15_000);
  const read = () => ({ in: counters.bytesIn, out: counters.bytesOut });
  const c0 = read();
  const guest = await openGuest(browser, await inviteLink(host), 'typical-guest');
  try {
    await expectRelayed(guest.page);
    await sleep(500);
    const c1 = read();
    const activity = await runTypicalActivity(host, [guest.page], seconds);
    await sleep(500);
    const c2 = read();
    const perMinute = 60_000 / activity.ms;
    return {
      joinBytes: { in: c1.in - c0.in, out: c1.out - c0.out },
      bytesPerMinute: { in: Math.round((c2.in - c1.in) * perMinute), out: Math.round((c2.out - c1.out) * perMinute) },
      activity,
    };
  } finally {
    await guest.close();
  }
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

export function setServerBytes(f: Figure, b: ServerBytes): void {
  const join = b.joinBytes.in + b.joinBytes.out;
  const minute = b.bytesPerMinute.in + b.bytesPerMinute.out;
  f.value = `${kb(join + minute)}: join ${kb(join)} + ${kb(minute)} per minute of activity (in + out, 1 guest)`;
  f.pass = true;
  f.data = { rates: TYPICAL_RATES, guests: 1, ...b };
}

/**
 * The fan-out figure: relayed upload per batch at the largest guest count
 * against one guest (target: at most `ratioTarget` ×), direct beside it.
 * Returns the report's fan-out table.
 */
export function setFanOut(f: Figure, direct: LoadRun, relayed: LoadRun, series: FanOutSeries, mostGuests: number, ratioTarget: number): FanOutReport {
  const report: FanOutReport = {
    series, direct: direct.points, relay: relayed.points, retriedJoins: { direct: direct.retriedJoins, relay: relayed.retriedJoins },
  };
  const errors = [direct.error && `direct: ${direct.error}`, relayed.error && `relayed: ${relayed.error}`].filter(Boolean);
  if (errors.length > 0) f.error = errors.join('; ');
  const first = relayed.points[0];
  const last = relayed.points.at(-1);
  if (!first || !last) return report;
  const bytes = (p: FanOutPoint | undefined) => (p ? `${Math.round(p.uploadPerBatch).toLocaleString('en')} B` : '—');
  const directAt = (n: number) => direct.points.find((p) => p.guests === n);
  const ratio = last.uploadPerBatch / first.uploadPerBatch;
  const retried = direct.retriedJoins.length + relayed.retriedJoins.length;
  f.value = `relayed ${bytes(first)} (1 guest) → ${bytes(last)} (${last.guests}): ×${ratio.toFixed(2)}; direct ${bytes(directAt(1))} → ${bytes(directAt(last.guests))}`
    + (retried > 0 ? `; ${retried} join(s) stuck and made again` : '');
  // Fewer guests than the target's count measured (a failure on the way) cannot pass.
  f.pass = last.guests === mostGuests && ratio <= ratioTarget;
  f.data = report;
  return report;
}

export function setServerCpu(f: Figure, relayed: LoadRun): void {
  if (relayed.error) f.error = relayed.error;
  const points = relayed.serverCpu;
  if (points.length === 0) return;
  const each = points.map((p) => `${Math.round(p.msPerGuestMinute)} ms with ${p.guests} guest${p.guests > 1 ? 's' : ''}`).join(', ');
  const joinMs = points.reduce((sum, p) => sum + p.joinCpuMs, 0) / points.reduce((n, p) => n + p.joins, 0);
  const quiet = relayed.serverQuietMsPerSecond;
  f.value = `${each} (CPU ms per guest-minute of activity, less ${quiet === null ? '?' : quiet.toFixed(1)} ms/s quiet); a join ${Math.round(joinMs)} ms`;
  f.pass = true;
  f.data = { rates: TYPICAL_RATES, quietMsPerSecond: quiet, points };
}
