// `npm run bench`: latency, join time, bytes on the wire and bundle sizes of
// cwmn, measured end to end in headless Chromium on loopback (see BENCHMARKS.md).
// Every step is bounded in count and time; whatever was started is stopped;
// a missed target is reported, and only a figure that could not be measured
// at all makes the run exit non-zero. `BENCH_ONLY=join,viewer-size` measures
// only some figures (see selection.ts) and leaves BENCHMARKS.md alone.

import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Browser } from 'playwright-core';
import { launchBrowser, ROOT, startCwmn, startSite, type Cwmn } from '../test/e2e/harness.js';
import { bundleSize } from './bundle-size.js';
import { measureContinuity } from './continuity.js';
import { measureMaskingCost } from './masking-cost.js';
import { benchReplayRender } from './replay-render.js';
import { JOIN_STAGES, measureJoins, VIEWER_SCRIPTS, type JoinSample, type JoinStage } from './join-time.js';
import { measureDomLatency, measureGuestPointer, measureHostCursor, type PairedSamples } from './latency.js';
import { machineInfo, printTable, writeReport, type Figure, type JoinStages, type Report } from './report.js';
import { selectFigures } from './selection.js';
import { openGuest, inviteLink, startHostSession, type HostSession } from './session.js';
import { median, summarize } from './stats.js';
import { measureWireBytes, type WireBytes } from './wire-bytes.js';

/** The whole run is stopped past this. */
const RUN_DEADLINE_MS = 420_000;
const SMALL_PAGE_NODES = 2_000;
const LARGE_PAGE_NODES = 100_000;
const DOM_CHANGES = 200;
const DOM_CHANGE_SPACING_MS = 30;
const POINTER_MOVES = 100;
const GUEST_MOVE_SPACING_MS = 40;
const HOST_MOVE_SPACING_MS = 50;
const SMALL_PAGE_JOINS = 5;
const LARGE_PAGE_JOINS = 3;
/** Unmeasured joins before the first measured one (see measureJoins). */
const JOIN_WARMUPS = 1;
const MUTATIONS = 1_000;
/** Share of events that may go unmatched before a latency figure counts as missed. */
const MAX_LOST_SHARE = 0.05;
const MAIN_GUEST = 'bench-guest';
/**
 * How long the server keeps a guest whose socket closed (default 10 s, for
 * reloads). Joins are measured one guest at a time, each waiting for the
 * previous guest to be gone: a short grace keeps that wait short.
 */
const GUEST_GRACE_SECONDS = 1;

const NAVIGATIONS = 12;
const PEER_DROPS = 5;
const MASKING_ROUNDS = 20;
const REPLAY_SECONDS = 60;

const TARGETS = {
  dom2kP50Ms: 3, dom2kP95Ms: 10, dom100kP95Ms: 50, guestPointerP95Ms: 20, hostCursorP95Ms: 25,
  join2kMs: 300, join100kMs: 2_500, wireRatio: 8, embedGzipBytes: 120 * 1024, viewerGzipBytes: 150 * 1024,
  navigationP95Ms: 1_500, replayRatio: 0.5,
};

const figures = new Map<string, Figure>();
const define = (id: string, title: string, target: string) => figures.set(id, { id, title, target, value: '—', pass: null });
define('dom-2k', 'Host DOM change → guest DOM, 2k nodes', `p50 ≤ ${TARGETS.dom2kP50Ms} ms, p95 ≤ ${TARGETS.dom2kP95Ms} ms`);
define('dom-100k', 'Host DOM change → guest DOM, 100k nodes', `p95 ≤ ${TARGETS.dom100kP95Ms} ms`);
define('guest-pointer', 'Guest pointer → host roomdata update', `p95 ≤ ${TARGETS.guestPointerP95Ms} ms`);
define('host-cursor', 'Host mouse → guest cursor', `p95 ≤ ${TARGETS.hostCursorP95Ms} ms`);
define('join-2k', 'Link opened → first frame, 2k nodes', `median ≤ ${TARGETS.join2kMs} ms`);
define('join-100k', 'Link opened → first frame, 100k nodes', `median ≤ ${TARGETS.join100kMs / 1000} s`);
define('wire-bytes', 'Wire vs raw JSON, 100k snapshot + 1,000 mutations', `≥ ${TARGETS.wireRatio}× smaller`);
define('navigation', 'Host navigation → guest shows the new page (demo pages)', `p95 ≤ ${TARGETS.navigationP95Ms / 1000} s`);
define('reconnect', 'Dropped peer link → guest live again', 'report it');
define('masking', 'Masking cost, full snapshot of the 2k-node page', 'report it');
define('replay-render', `Replay render, ${REPLAY_SECONDS} s typical recording: wall time ÷ length`, `≤ ${TARGETS.replayRatio}`);
define('embed-size', 'Embed script (clickwithmenow-api.js), gzip', `≤ ${TARGETS.embedGzipBytes / 1024} KB`);
define('viewer-size', 'Viewer scripts (viewer.js + mirror.js), gzip', `≤ ${TARGETS.viewerGzipBytes / 1024} KB`);
const figure = (id: string) => figures.get(id)!;

/** `BENCH_ONLY` (see selection.ts): null measures everything. */
const only = (() => {
  try {
    return selectFigures(process.env.BENCH_ONLY, [...figures.keys()]);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
})();
const selected = (id: string) => only === null || only.has(id);

const joinStages: JoinStages[] = [];
let wireBytes: WireBytes | null = null;

/** Runs one step, unless none of its figures is selected; figures it leaves unmeasured get its error. */
async function step(ids: string[], run: () => Promise<void>): Promise<void> {
  if (!ids.some(selected)) return;
  try {
    await run();
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    for (const id of ids.filter(selected)) {
      const f = figure(id);
      if (f.pass === null && !f.error) f.error = message;
    }
  }
}

function setLatency(id: string, r: PairedSamples, limits: { p50?: number; p95?: number }): void {
  const f = figure(id);
  const s = summarize(r.samples);
  if (s.n === 0) throw new Error(`no event arrived (${r.lost} sent)`);
  f.value = `p50 ${s.p50} ms, p95 ${s.p95} ms (n=${s.n}${r.lost ? `, ${r.lost} unmatched` : ''})`;
  f.pass = r.lost <= MAX_LOST_SHARE * (s.n + r.lost)
    && (limits.p50 === undefined || s.p50 <= limits.p50) && (limits.p95 === undefined || s.p95 <= limits.p95);
  f.data = { ...s, lost: r.lost, samples: r.samples.map((v) => Math.round(v * 10) / 10) };
}

function setJoin(id: string, page: string, all: JoinSample[], limitMs: number): void {
  const f = figure(id);
  const samples = all.filter((s) => !s.warmup);
  const totals = samples.map((s) => s.totalMs);
  const med = median(totals);
  f.value = `median ${med.toFixed(1)} ms (runs: ${totals.map(Math.round).join(', ')})`;
  f.pass = med <= limitMs;
  f.data = { medianMs: med, samples: all };
  const medians: JoinStages['medians'] = {};
  for (const stage of Object.keys(JOIN_STAGES) as JoinStage[]) {
    const values = samples.map((s) => s.stages[stage]).filter((v): v is number => v !== undefined);
    if (values.length > 0) medians[stage] = Math.round(median(values));
  }
  joinStages.push({ page, runs: samples.length, medians, viewerScripts: samples[samples.length - 1]?.viewerScripts ?? [] });
}

/** A bundle's size: the sum of its files, each gzipped as it is served. */
function setBundle(id: string, files: string[], budget: number): void {
  const f = figure(id);
  const sizes = files.map((file) => bundleSize(ROOT, file));
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const gzipBytes = sizes.reduce((sum, s) => sum + s.gzipBytes, 0);
  const rawBytes = sizes.reduce((sum, s) => sum + s.rawBytes, 0);
  const parts = sizes.length > 1 ? `: ${sizes.map((s) => `${s.file.split('/').pop()} ${kb(s.gzipBytes)}`).join(' + ')}` : '';
  f.value = `${kb(gzipBytes)} (raw ${kb(rawBytes)})${parts}`;
  f.pass = gzipBytes <= budget;
  f.data = { gzipBytes, rawBytes, files: sizes };
}

const nodesLabel = (n: number) => `${n.toLocaleString('en')} nodes`;

/** Figures on the 2k-node page: join time, DOM latency, both pointers. */
async function smallPage(browser: Browser, siteUrl: string): Promise<void> {
  const host = await startHostSession(browser, siteUrl, SMALL_PAGE_NODES);
  try {
    const label = nodesLabel(host.nodes);
    figure('join-2k').title = `Link opened → first frame, ${label}`;
    figure('dom-2k').title = `Host DOM change → guest DOM, ${label}`;
    await step(['join-2k'], async () => setJoin('join-2k', label, await measureJoins(browser, host.page, SMALL_PAGE_JOINS, 'join', JOIN_WARMUPS), TARGETS.join2kMs));
    if (!['dom-2k', 'guest-pointer', 'host-cursor'].some(selected)) return;
    const guest = await openGuest(browser, await inviteLink(host.page), MAIN_GUEST);
    try {
      await step(['dom-2k'], async () => setLatency('dom-2k',
        await measureDomLatency(host.page, guest.page, DOM_CHANGES, DOM_CHANGE_SPACING_MS), { p50: TARGETS.dom2kP50Ms, p95: TARGETS.dom2kP95Ms }));
      await step(['guest-pointer'], async () => setLatency('guest-pointer',
        await measureGuestPointer(host.page, guest.page, MAIN_GUEST, POINTER_MOVES, GUEST_MOVE_SPACING_MS), { p95: TARGETS.guestPointerP95Ms }));
      await step(['host-cursor'], async () => setLatency('host-cursor',
        await measureHostCursor(host.page, guest.page, POINTER_MOVES, HOST_MOVE_SPACING_MS), { p95: TARGETS.hostCursorP95Ms }));
    } finally {
      await guest.close();
    }
  } finally {
    await host.close();
  }
}

/** Figures on the 100k-node page: join time, bytes on the wire, DOM latency. */
async function largePage(browser: Browser, siteUrl: string): Promise<void> {
  const host: HostSession = await startHostSession(browser, siteUrl, LARGE_PAGE_NODES);
  try {
    const label = nodesLabel(host.nodes);
    figure('join-100k').title = `Link opened → first frame, ${label}`;
    figure('dom-100k').title = `Host DOM change → guest DOM, ${label}`;
    figure('wire-bytes').title = `Wire vs raw JSON, snapshot of ${label} + ${MUTATIONS.toLocaleString('en')} mutations`;
    await step(['join-100k'], async () => setJoin('join-100k', label, await measureJoins(browser, host.page, LARGE_PAGE_JOINS, 'join-large'), TARGETS.join100kMs));
    if (!['wire-bytes', 'dom-100k'].some(selected)) return;
    const guest = await openGuest(browser, await inviteLink(host.page), MAIN_GUEST);
    try {
      await step(['wire-bytes'], async () => {
        const w = await measureWireBytes(host.page, guest.page, MUTATIONS);
        const ratio = w.total.raw / w.total.wire;
        const f = figure('wire-bytes');
        f.value = `${(w.total.raw / 1e6).toFixed(2)} MB raw → ${(w.total.wire / 1e6).toFixed(2)} MB wire: ${ratio.toFixed(1)}× smaller`;
        f.pass = ratio >= TARGETS.wireRatio;
        f.data = w;
        wireBytes = w;
      });
      await step(['dom-100k'], async () => setLatency('dom-100k',
        await measureDomLatency(host.page, guest.page, DOM_CHANGES, DOM_CHANGE_SPACING_MS), { p95: TARGETS.dom100kP95Ms }));
    } finally {
      await guest.close();
    }
  } finally {
    await host.close();
  }
}

/** Session continuity: navigation between the demo pages and dropped peer links. */
async function continuity(browser: Browser, serverUrl: string): Promise<void> {
  const r = await measureContinuity(browser, serverUrl, NAVIGATIONS, PEER_DROPS);
  const nav = summarize(r.navigationMs);
  const f = figure('navigation');
  f.value = `p50 ${nav.p50} ms, p95 ${nav.p95} ms (n=${nav.n})`;
  f.pass = nav.p95 <= TARGETS.navigationP95Ms;
  f.data = { ...nav, samples: r.navigationMs.map(Math.round) };
  const rec = figure('reconnect');
  rec.value = `median ${Math.round(median(r.reconnectMs))} ms (runs: ${r.reconnectMs.map(Math.round).join(', ')})`;
  rec.pass = true;
  rec.data = { samples: r.reconnectMs.map(Math.round) };
}

async function maskingCost(browser: Browser, siteUrl: string): Promise<void> {
  const r = await measureMaskingCost(browser, siteUrl, SMALL_PAGE_NODES, MASKING_ROUNDS);
  const masked = median(r.maskedMs);
  const plain = median(r.plainMs);
  const f = figure('masking');
  f.value = `median ${masked.toFixed(2)} ms masked vs ${plain.toFixed(2)} ms plain rrweb (+${(masked - plain).toFixed(2)} ms, n=${MASKING_ROUNDS})`;
  f.pass = true;
  f.data = r;
}

async function replayRender(): Promise<void> {
  const r = await benchReplayRender({ seconds: REPLAY_SECONDS });
  const f = figure('replay-render');
  f.value = `${r.ratio.toFixed(2)} (${r.renderSeconds.toFixed(1)} s for ${r.recordingSeconds.toFixed(1)} s; ${Math.round(r.framesPerSecond)} frames/s, ${r.screenshots} of ${r.frames} frames screenshot)`;
  f.pass = r.ratio <= TARGETS.replayRatio;
  f.data = r;
}

/** Event-loop delay of this process, which runs the server (and Playwright's driver): server stalls show here. */
const EVENT_LOOP_RESOLUTION_MS = 10;
const eventLoop = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });

/** Writes and prints the report of what was measured; the exit code (1 when a figure is missing). */
function finish(started: number, loadAtStart: number[], chromium: string): number {
  // The histogram holds whole sampling intervals: the delay is what exceeds the resolution.
  const ms = (ns: number) => Math.max(0, Math.round(ns / 1e5 - EVENT_LOOP_RESOLUTION_MS * 10) / 10);
  const report: Report = {
    date: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine: machineInfo(chromium),
    loadAverage: { start: loadAtStart, end: loadavg() },
    eventLoopDelayMs: { p50: ms(eventLoop.percentile(50)), p99: ms(eventLoop.percentile(99)), max: ms(eventLoop.max) },
    only: only && [...only],
    figures: [...figures.values()].filter((f) => selected(f.id)),
    joinStages,
    wireBytes,
  };
  writeReport(ROOT, report);
  printTable(report);
  return report.figures.some((f) => f.pass === null) ? 1 : 0;
}

async function main(): Promise<number> {
  const started = Date.now();
  const loadAtStart = loadavg();
  eventLoop.enable();
  let chromium = 'unknown';
  let cwmn: Cwmn | undefined;
  let site: { url: string; close(): Promise<void> } | undefined;
  let browser: Browser | undefined;
  const stopAll = async () => {
    await browser?.close().catch(() => {});
    await site?.close().catch(() => {});
    await cwmn?.close().catch(() => {});
  };
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${RUN_DEADLINE_MS / 1000} s; stopping`);
    for (const f of figures.values()) if (f.pass === null && !f.error) f.error = 'the run was stopped at its deadline';
    void stopAll().finally(() => process.exit(Math.max(1, finish(started, loadAtStart, chromium))));
  }, RUN_DEADLINE_MS);
  try {
    await step(['embed-size'], async () => setBundle('embed-size', ['embed/clickwithmenow-api.js'], TARGETS.embedGzipBytes));
    await step(['viewer-size'], async () => setBundle('viewer-size', VIEWER_SCRIPTS.map((f) => `viewer/${f}`), TARGETS.viewerGzipBytes));
    const live = [...figures.keys()].filter((id) => !id.endsWith('-size') && id !== 'replay-render');
    await step(live, async () => {
      cwmn = await startCwmn({ CWMN_GUEST_GRACE_SECONDS: String(GUEST_GRACE_SECONDS) });
      site = await startSite(cwmn.server.url);
      browser = await launchBrowser();
      chromium = browser.version();
      const b = browser;
      const url = site.url;
      const timed = async (what: string, ids: string[], run: () => Promise<void>) => {
        if (!ids.some(selected)) return;
        const t = Date.now();
        await step(ids, run);
        console.log(`bench: ${what} done in ${Math.round((Date.now() - t) / 1000)} s`);
      };
      await timed(`${SMALL_PAGE_NODES.toLocaleString('en')}-node page`, ['join-2k', 'dom-2k', 'guest-pointer', 'host-cursor'], () => smallPage(b, url));
      await timed(`${LARGE_PAGE_NODES.toLocaleString('en')}-node page`, ['join-100k', 'wire-bytes', 'dom-100k'], () => largePage(b, url));
      await timed('continuity', ['navigation', 'reconnect'], () => continuity(b, cwmn!.server.url));
      await timed('masking cost', ['masking'], () => maskingCost(b, url));
    });
    await step(['replay-render'], () => replayRender());
  } finally {
    await stopAll();
    clearTimeout(watchdog);
  }
  return finish(started, loadAtStart, chromium);
}

process.exit(await main());
