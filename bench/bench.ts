// `npm run bench`: latency, join time, bytes on the wire and bundle sizes of
// cwmn, measured end to end in headless Chromium on loopback (see BENCHMARKS.md).
// Every step is bounded in count and time; whatever was started is stopped;
// a missed target is reported, and only a figure that could not be measured
// at all makes the run exit non-zero. `BENCH_ONLY=join,viewer-size` measures
// only some figures (see selection.ts) and leaves BENCHMARKS.md alone;
// `BENCH_ONLY=relay` measures the relay's figures (a second server, started
// with `CWMN_RELAY=always`, beside the default one; a third, as a process of
// its own, for the server's CPU).

import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, ROOT, startCwmn, startSite, type Cwmn } from '../test/e2e/harness.js';
import type { RelayCounters } from '../signaling/relay/relay-switch.js';
import { bundleSize } from './bundle-size.js';
import { measureContinuity } from './continuity.js';
import { measureMaskingCost } from './masking-cost.js';
import { benchReplayRender } from './replay-render.js';
import { JOIN_STAGES, measureJoins, measureJoinsAlternating, VIEWER_SCRIPTS, type JoinSample, type JoinStage } from './join-time.js';
import { measureDomLatency, measureGuestPointer, measureHostCursor, type PairedSamples } from './latency.js';
import {
  expectRelayed, measureServerBytes, setFanOut, setRelayLatency, setServerBytes, setServerCpu, watchingEventLoop,
} from './relay-figures.js';
import { measureRelayLoad } from './relay-load.js';
import { TYPICAL_SECONDS } from './typical-session.js';
import { machineInfo, printTable, writeReport, type FanOutReport, type Figure, type JoinStages, type Report } from './report.js';
import { selectFigures } from './selection.js';
import { openGuest, inviteLink, startHostSession, type HostSession } from './session.js';
import { median, summarize } from './stats.js';
import { measureWireBytes, type WireBytes } from './wire-bytes.js';

/** The whole run is stopped past this. */
const RUN_DEADLINE_MS = 600_000;
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

/** Relayed guests' names. */
const RELAY_GUEST = 'bench-relay-guest';
/** Guest counts of the fan-out; the server's CPU is read at the second list's. */
const FANOUT_COUNTS = [1, 2, 5, 20];
const SERVER_CPU_COUNTS = [1, 5];
/** 60 batches, each setting the text of 10 rows. */
const FANOUT_SERIES = { batches: 60, spacingMs: 40, rowsPerBatch: 10 };
/** Guests opening their links at once while a fan-out adds guests. */
const FANOUT_PARALLEL_JOINS = 5;

const NAVIGATIONS = 12;
const PEER_DROPS = 5;
const MASKING_ROUNDS = 20;
const REPLAY_SECONDS = 60;

const TARGETS = {
  dom2kP50Ms: 3, dom2kP95Ms: 10, dom100kP95Ms: 50, guestPointerP95Ms: 20, hostCursorP95Ms: 25,
  join2kMs: 300, join100kMs: 2_500, wireRatio: 8, embedGzipBytes: 120 * 1024, viewerGzipBytes: 150 * 1024,
  navigationP95Ms: 1_500, replayRatio: 0.5,
  /** Relayed against direct, in the same run. */
  relayDomSlackMs: 5, relayJoinRatio: 1.2, relayFanOutRatio: 1.1,
};

const figures = new Map<string, Figure>();
const define = (id: string, title: string, target: string) => figures.set(id, { id, title, target, value: '—', pass: null });
define('dom-2k', 'Host DOM change → guest DOM, 2k nodes', `p50 ≤ ${TARGETS.dom2kP50Ms} ms, p95 ≤ ${TARGETS.dom2kP95Ms} ms`);
define('relay-dom-2k', 'Host DOM change → guest DOM through the relay, 2k nodes', `p95 ≤ direct p95 + ${TARGETS.relayDomSlackMs} ms`);
define('dom-100k', 'Host DOM change → guest DOM, 100k nodes', `p95 ≤ ${TARGETS.dom100kP95Ms} ms`);
define('guest-pointer', 'Guest pointer → host roomdata update', `p95 ≤ ${TARGETS.guestPointerP95Ms} ms`);
define('relay-guest-pointer', 'Guest pointer → host roomdata update through the relay', 'report it (direct beside it)');
define('host-cursor', 'Host mouse → guest cursor', `p95 ≤ ${TARGETS.hostCursorP95Ms} ms`);
define('join-2k', 'Link opened → first frame, 2k nodes', `median ≤ ${TARGETS.join2kMs} ms`);
define('relay-join-2k', 'Link opened → first frame through the relay, 2k nodes', `median ≤ ${TARGETS.relayJoinRatio} × direct median`);
define('join-100k', 'Link opened → first frame, 100k nodes', `median ≤ ${TARGETS.join100kMs / 1000} s`);
define('wire-bytes', 'Wire vs raw JSON, 100k snapshot + 1,000 mutations', `≥ ${TARGETS.wireRatio}× smaller`);
define('relay-server-bytes', "Bytes through the server in a relayed guest's first minute, typical session, 2k nodes", 'report it');
define('relay-fanout', `Host upload per batch, 1 → ${FANOUT_COUNTS.at(-1)} relayed guests (direct beside it)`,
  `${FANOUT_COUNTS.at(-1)} guests ≤ ${TARGETS.relayFanOutRatio} × 1 guest`);
define('relay-server-cpu', 'Server CPU per relayed guest-minute, typical activity', 'report it');
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
let fanOut: FanOutReport | null = null;

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

/** Sets a join figure (median of the joins that are not warm-ups) and its stages; returns the median. */
function setJoin(id: string, page: string, all: JoinSample[], limitMs: number): number {
  const f = figure(id);
  const samples = all.filter((s) => !s.warmup);
  const totals = samples.map((s) => s.totalMs);
  if (totals.length === 0) throw new Error('no join was measured');
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
  return med;
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

/** The relay server of the run (`CWMN_RELAY=always`), for the 2k-node page's relayed figures. */
interface RelayServer {
  siteUrl: string;
  counters: Readonly<RelayCounters>;
}

/** The relayed figures of the 2k-node page (they need the run's relay server). */
const RELAYED_2K = ['relay-join-2k', 'relay-dom-2k', 'relay-guest-pointer', 'relay-server-bytes'];

/**
 * Figures on the 2k-node page: join time, DOM latency, both pointers; with a
 * relay server, the same through the relay beside them (a host session on each
 * server) and the bytes of a typical relayed session.
 */
async function smallPage(browser: Browser, siteUrl: string, relay: RelayServer | null): Promise<void> {
  const host = await startHostSession(browser, siteUrl, SMALL_PAGE_NODES);
  let relayHost: HostSession | null = null;
  try {
    relayHost = relay ? await startHostSession(browser, relay.siteUrl, SMALL_PAGE_NODES) : null;
    const label = nodesLabel(host.nodes);
    figure('join-2k').title = `Link opened → first frame, ${label}`;
    figure('dom-2k').title = `Host DOM change → guest DOM, ${label}`;
    figure('relay-join-2k').title = `Link opened → first frame through the relay, ${label}`;
    figure('relay-dom-2k').title = `Host DOM change → guest DOM through the relay, ${label}`;
    figure('relay-server-bytes').title = `Bytes through the server in a relayed guest's first minute, typical session, ${label}`;
    await step(['join-2k', 'relay-join-2k'], () => smallPageJoins(browser, host, relayHost, label));
    // The relayed figures are compared with the direct ones of this run: those are measured for them too.
    const direct: { dom?: PairedSamples; pointer?: PairedSamples } = {};
    if (['dom-2k', 'guest-pointer', 'host-cursor', 'relay-dom-2k', 'relay-guest-pointer'].some(selected)) {
      const guest = await openGuest(browser, await inviteLink(host.page), MAIN_GUEST);
      try {
        await step(['dom-2k', 'relay-dom-2k'], async () => {
          direct.dom = await measureDomLatency(host.page, guest.page, DOM_CHANGES, DOM_CHANGE_SPACING_MS);
          setLatency('dom-2k', direct.dom, { p50: TARGETS.dom2kP50Ms, p95: TARGETS.dom2kP95Ms });
        });
        await step(['guest-pointer', 'relay-guest-pointer'], async () => {
          direct.pointer = await measureGuestPointer(host.page, guest.page, MAIN_GUEST, POINTER_MOVES, GUEST_MOVE_SPACING_MS);
          setLatency('guest-pointer', direct.pointer, { p95: TARGETS.guestPointerP95Ms });
        });
        await step(['host-cursor'], async () => setLatency('host-cursor',
          await measureHostCursor(host.page, guest.page, POINTER_MOVES, HOST_MOVE_SPACING_MS), { p95: TARGETS.hostCursorP95Ms }));
      } finally {
        await guest.close();
      }
    }
    if (!relayHost || !relay) return;
    const relayedHost = relayHost;
    if (['relay-dom-2k', 'relay-guest-pointer'].some(selected)) {
      const guest = await openGuest(browser, await inviteLink(relayedHost.page), RELAY_GUEST);
      try {
        await step(['relay-dom-2k', 'relay-guest-pointer'], () => expectRelayed(guest.page));
        await step(['relay-dom-2k'], async () => setRelayLatency(figure('relay-dom-2k'), await watchingEventLoop(
          () => measureDomLatency(relayedHost.page, guest.page, DOM_CHANGES, DOM_CHANGE_SPACING_MS)), direct.dom, MAX_LOST_SHARE, TARGETS.relayDomSlackMs));
        await step(['relay-guest-pointer'], async () => setRelayLatency(figure('relay-guest-pointer'), await watchingEventLoop(
          () => measureGuestPointer(relayedHost.page, guest.page, RELAY_GUEST, POINTER_MOVES, GUEST_MOVE_SPACING_MS)), direct.pointer, MAX_LOST_SHARE));
      } finally {
        await guest.close();
      }
    }
    await step(['relay-server-bytes'], async () => setServerBytes(figure('relay-server-bytes'),
      await measureServerBytes(browser, relayedHost.page, relay.counters, TYPICAL_SECONDS)));
  } finally {
    await relayHost?.close();
    await host.close();
  }
}

/** Join times on the 2k-node page; with a relayed host, direct and relayed joins alternate. */
async function smallPageJoins(browser: Browser, host: HostSession, relayHost: HostSession | null, label: string): Promise<void> {
  if (!relayHost || !selected('relay-join-2k')) {
    setJoin('join-2k', label, await measureJoins(browser, host.page, SMALL_PAGE_JOINS, 'join', JOIN_WARMUPS), TARGETS.join2kMs);
    return;
  }
  const [direct, relayed] = await measureJoinsAlternating(browser, [host.page, relayHost.page], SMALL_PAGE_JOINS, 'join', JOIN_WARMUPS);
  if (direct!.error) figure('join-2k').error = direct!.error;
  const directMs = direct!.error ? Number.NaN : setJoin('join-2k', label, direct!.samples, TARGETS.join2kMs);
  const f = figure('relay-join-2k');
  if (relayed!.error) f.error = relayed!.error;
  else if (Number.isNaN(directMs)) f.error = 'no direct join to compare with';
  else {
    const relayedMs = setJoin('relay-join-2k', `${label}, relayed`, relayed!.samples, TARGETS.relayJoinRatio * directMs);
    f.value += `; direct ${directMs.toFixed(1)} ms, joins alternating (×${(relayedMs / directMs).toFixed(2)})`;
    f.data = { ...(f.data as object), directMedianMs: directMs };
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
    await step(['join-100k'], async () => {
      setJoin('join-100k', label, await measureJoins(browser, host.page, LARGE_PAGE_JOINS, 'join-large'), TARGETS.join100kMs);
    });
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

/** The relay's load figures: fan-out and server CPU (see relay-load.ts). */
async function relayLoad(guestBrowser: Browser, directSiteUrl: string): Promise<void> {
  const withFanOut = selected('relay-fanout');
  const { direct, relayed } = await measureRelayLoad({
    guestBrowser, directSiteUrl, nodes: SMALL_PAGE_NODES, parallelJoins: FANOUT_PARALLEL_JOINS, graceSeconds: GUEST_GRACE_SECONDS,
    fanOut: withFanOut ? { counts: FANOUT_COUNTS, series: FANOUT_SERIES } : null,
    serverCpu: selected('relay-server-cpu') ? { counts: SERVER_CPU_COUNTS, activitySeconds: TYPICAL_SECONDS } : null,
    log: (line) => console.log(`bench:   ${line}`),
  });
  if (direct) fanOut = setFanOut(figure('relay-fanout'), direct, relayed, FANOUT_SERIES, FANOUT_COUNTS.at(-1)!, TARGETS.relayFanOutRatio);
  if (selected('relay-server-cpu')) setServerCpu(figure('relay-server-cpu'), relayed);
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
  const via = [...new Set(r.reconnectedVia)].map((kind) => `${r.reconnectedVia.filter((k) => k === kind).length} ${kind}`).join(', ');
  rec.value = `median ${Math.round(median(r.reconnectMs))} ms (runs: ${r.reconnectMs.map(Math.round).join(', ')}; back ${via})`;
  rec.pass = true;
  rec.data = { samples: r.reconnectMs.map(Math.round), reconnectedVia: r.reconnectedVia };
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
    fanOut,
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
  let relayCwmn: Cwmn | undefined;
  let relaySite: { url: string; close(): Promise<void> } | undefined;
  let browser: Browser | undefined;
  const stopAll = async () => {
    await browser?.close().catch(() => {});
    await relaySite?.close().catch(() => {});
    await relayCwmn?.close().catch(() => {});
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
      let relay: RelayServer | null = null;
      if (RELAYED_2K.some(selected)) {
        relayCwmn = await startCwmn({ CWMN_RELAY: 'always', CWMN_GUEST_GRACE_SECONDS: String(GUEST_GRACE_SECONDS) });
        relaySite = await startSite(relayCwmn.server.url);
        relay = { siteUrl: relaySite.url, counters: relayCwmn.server.relayCounters! };
      }
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
      await timed(`${SMALL_PAGE_NODES.toLocaleString('en')}-node page`, ['join-2k', 'dom-2k', 'guest-pointer', 'host-cursor', ...RELAYED_2K], () => smallPage(b, url, relay));
      await timed(`${LARGE_PAGE_NODES.toLocaleString('en')}-node page`, ['join-100k', 'wire-bytes', 'dom-100k'], () => largePage(b, url));
      await timed('continuity', ['navigation', 'reconnect'], () => continuity(b, cwmn!.server.url));
      await timed('masking cost', ['masking'], () => maskingCost(b, url));
      await timed('relay fan-out and server CPU', ['relay-fanout', 'relay-server-cpu'], () => relayLoad(b, url));
    });
    await step(['replay-render'], () => replayRender());
  } finally {
    await stopAll();
    clearTimeout(watchdog);
  }
  return finish(started, loadAtStart, chromium);
}

process.exit(await main());
