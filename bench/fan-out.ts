// Fan-out: what one batch of page data costs the host with 1…N guests, all
// direct or all relayed. The host runs in a browser of its own (so the CPU of
// its processes is its alone) with `installUploadCounter`; it makes a fixed
// series of DOM changes, one batch each, and we divide what it sent and the
// CPU it took by the number of batches.

import type { Browser, CDPSession, Page } from 'playwright-core';
import { launchBrowser, waitForViewerState } from '../test/e2e/harness.js';
import { whereItStopped } from './join-time.js';
import { childPids, treeRunMs } from './proc-cpu.js';
import type { GuestProbe, UploadCounts } from './probes.js';
import { inviteLink, openGuest, sleep, withTimeout, type Guest } from './session.js';

/** A browser and the id of its main process (null when it could not be found). */
export interface MeasuredBrowser {
  browser: Browser;
  pid: number | null;
}

/** Launches a browser of its own, noting its process id (the new `chromium` child of this process). */
export async function launchMeasuredBrowser(): Promise<MeasuredBrowser> {
  const before = new Set(childPids('chromium'));
  const browser = await launchBrowser();
  return { browser, pid: childPids('chromium').find((pid) => !before.has(pid)) ?? null };
}

/** One point of the fan-out: `guests` guests, `batches` batches. */
export interface FanOutPoint {
  guests: number;
  batches: number;
  /** Bytes the host handed to `send()` over the series, by data channel (`dc:…`) or socket path (`ws:…`). */
  upload: Record<string, number>;
  uploadPerBatch: number;
  /** CPU time of the host page's main thread (CDP `Performance.getMetrics` ThreadTime) per batch, ms. */
  mainThreadMsPerBatch: number;
  /** Wall time of the host page's main-thread tasks (CDP TaskDuration) per batch, ms: it grows when other work takes the cores. */
  taskMsPerBatch: number;
  /** Every thread of every process of the host's browser (/proc schedstat run time) per batch, ms; NaN when its process was not found. */
  processCpuMsPerBatch: number;
  /** Wall time of the series, until the last batch showed in every guest's mirror, ms. */
  wallMs: number;
  /** The same two CPU times per second of a quiet stretch just before the series (no batch: peer connections, sockets, timers). */
  idle: { mainThreadMsPerSecond: number; processCpuMsPerSecond: number };
}

export interface FanOutSeries {
  batches: number;
  spacingMs: number;
  /** Rows whose text each batch sets. */
  rowsPerBatch: number;
}

/** The host side of a fan-out: its page (with `installUploadCounter`), a CDP session on it, its browser's process. */
export class FanOutHost {
  private constructor(readonly page: Page, private readonly cdp: CDPSession, private readonly pid: number | null) {}

  static async attach(page: Page, pid: number | null): Promise<FanOutHost> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    return new FanOutHost(page, cdp, pid);
  }

  /** The host page's main thread so far: CPU time (ThreadTime) and wall time of its tasks (TaskDuration), ms. */
  async mainThread(): Promise<{ cpuMs: number; taskMs: number }> {
    const { metrics } = await this.cdp.send('Performance.getMetrics');
    const ms = (name: string) => (metrics.find((m) => m.name === name)?.value ?? Number.NaN) * 1000;
    return { cpuMs: ms('ThreadTime'), taskMs: ms('TaskDuration') };
  }

  processCpuMs(): number {
    return this.pid === null ? Number.NaN : treeRunMs(this.pid);
  }

  upload(): Promise<Record<string, number>> {
    return this.page.evaluate(() => ({ ...(window as unknown as { __upload: UploadCounts }).__upload.bytes }));
  }
}

/** Guests added, and the joins that had to be made again (why each first one did not go live). */
export interface AddedGuests {
  guests: Guest[];
  retried: string[];
}

/** Longest wait for a guest of a fan-out to go live before its join is made again with a new link, ms. */
export const FANOUT_LIVE_TIMEOUT_MS = 15_000;

/** How a fan-out's guests must be connected (the viewer's `data-connection`). */
export type Connection = 'direct' | 'relay';

/**
 * Opens `count` new invite links of `host`, `parallel` at a time; resolves once
 * all are live and connected as `connection`. A guest not so in time is
 * replaced once by a new join (with a new link), and the reason kept; a second
 * failure fails the whole call.
 */
export async function addGuests(
  browser: Browser, host: Page, count: number, label: string, parallel: number, connection: Connection,
): Promise<AddedGuests> {
  const added: AddedGuests = { guests: [], retried: [] };
  const join = async (name: string): Promise<Guest> => {
    try {
      return await openLiveGuest(browser, await inviteLink(host), name, connection);
    } catch (err) {
      added.retried.push(err instanceof Error ? err.message : String(err));
      return openLiveGuest(browser, await inviteLink(host), `${name}-again`, connection);
    }
  };
  try {
    for (let i = 0; i < count; i += parallel) {
      const names = Array.from({ length: Math.min(parallel, count - i) }, (_, j) => `${label}-${i + j + 1}`);
      const opened = await Promise.allSettled(names.map(join));
      for (const o of opened) if (o.status === 'fulfilled') added.guests.push(o.value);
      const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed) throw failed.reason;
    }
    return added;
  } catch (err) {
    await Promise.all(added.guests.map((g) => g.close()));
    throw err;
  }
}

/** Opens a guest and waits until it is live; the error says where a join that did not finish stopped. */
async function openLiveGuest(browser: Browser, link: string, name: string, connection: Connection): Promise<Guest> {
  const guest = await openGuest(browser, link, name, false);
  try {
    await waitForViewerState(guest.page, 'live', FANOUT_LIVE_TIMEOUT_MS);
  } catch {
    const where = await whereItStopped(guest.page);
    const seen = await guest.page.evaluate(() => {
      const probe = (window as unknown as { __probe: GuestProbe }).__probe;
      const marks = Object.entries(probe.marks).sort((a, b) => a[1] - b[1]).map(([m, t]) => `${m} ${Math.round(t - probe.origin)}`);
      const bytes = probe.frames.reduce((n, f) => n + f[1], 0);
      return `connection ${document.body.dataset.connection ?? 'none'}; ${probe.frames.length} page-data frames (${bytes} B), `
        + `${probe.decodes.length} decoded (largest ${Math.max(0, ...probe.decodes.map((d) => d[1]))} chars); marks: ${marks.join(', ')}; `
        + `states: ${probe.states.map(([t, state]) => `${state} ${Math.round(t - probe.origin)}`).join(', ')}`;
    }).catch(() => 'no answer');
    await guest.close();
    throw new Error(`guest ${name} not live within ${FANOUT_LIVE_TIMEOUT_MS / 1000} s; ${where}; ${seen}`);
  }
  // In the default mode a guest whose peer connection is slow to open goes through the relay.
  const kind = await guest.page.evaluate(() => document.body.dataset.connection ?? 'unknown');
  if (kind === connection) return guest;
  await guest.close();
  throw new Error(`guest ${name} was to be connected ${connection}, but is connected ${kind}`);
}

/** The quiet stretch whose CPU is read before each series, ms. */
const QUIET_MS = 1_000;

/** Time for the host to send its last batch to every guest, ms. */
const SEND_MS = 200;
/** Longest wait for every guest's mirror to show the last batch, ms. */
const MIRROR_TIMEOUT_MS = 45_000;

/** Waits until row `index` reads `text` in every guest's mirror; the error says how far behind the others are. */
async function waitForMirrors(guests: readonly Page[], last: { index: number; text: string }): Promise<void> {
  const shows = ({ index, text }: { index: number; text: string }) => {
    const doc = document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')?.contentDocument;
    return doc?.getElementById('rows')?.children[index]?.firstElementChild?.textContent === text;
  };
  const waits = await Promise.allSettled(guests.map((g) => g.waitForFunction(shows, last, { timeout: MIRROR_TIMEOUT_MS })));
  const behind = guests.filter((_, i) => waits[i]!.status === 'rejected');
  if (behind.length === 0) return;
  const states = await Promise.all(behind.map((g) => g.evaluate(({ index }) => {
    const doc = document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')?.contentDocument;
    const text = doc?.getElementById('rows')?.children[index]?.firstElementChild?.textContent ?? '';
    return `${document.body.dataset.state ?? '?'}/${document.body.dataset.connection ?? '?'} showing "${text.slice(0, 24)}"`;
  }, last).catch(() => 'no answer')));
  throw new Error(`${behind.length} of ${guests.length} guests did not show the last batch within ${MIRROR_TIMEOUT_MS / 1000} s (${states.join('; ')})`);
}

/** Quiet time before a series (new guests' snapshots are not counted) and after it, before bytes are read (everything sent has been counted). */
const SETTLE_MS = 500;

/** Runs the series on the host and waits until its last change shows in every guest's mirror. */
export async function runFanOutSeries(host: FanOutHost, guests: readonly Page[], series: FanOutSeries): Promise<FanOutPoint> {
  await sleep(SETTLE_MS);
  const idleMain0 = await host.mainThread();
  const idleCpu0 = host.processCpuMs();
  const idleStarted = Date.now();
  await sleep(QUIET_MS);
  const upload0 = await host.upload();
  const main0 = await host.mainThread();
  const cpu0 = host.processCpuMs();
  const started = Date.now();
  const idleSeconds = (started - idleStarted) / 1000;
  const last = await withTimeout(host.page.evaluate(async ({ batches, spacingMs, rowsPerBatch }) => {
    const rows = document.getElementById('rows')!.children;
    let at = { index: 0, text: '' };
    for (let b = 0; b < batches; b++) {
      for (let r = 0; r < rowsPerBatch; r++) {
        const index = (b * rowsPerBatch + r) % rows.length;
        const text = `fan-out batch ${b} row ${r}: some text of a typical length`;
        rows[index]!.firstElementChild!.textContent = text;
        at = { index, text };
      }
      await new Promise((resolve) => setTimeout(resolve, spacingMs));
    }
    return at;
  }, series), series.batches * series.spacingMs * 4 + 10_000, 'fan-out series');
  // The host's CPU is read once it has sent the last batch: how long the guests take to show it is their own affair.
  await sleep(SEND_MS);
  const cpu1 = host.processCpuMs();
  const main1 = await host.mainThread();
  await waitForMirrors(guests, last);
  const wallMs = Date.now() - started;
  await sleep(SETTLE_MS);
  const upload1 = await host.upload();
  const upload: Record<string, number> = {};
  for (const key of Object.keys(upload1)) {
    const bytes = upload1[key]! - (upload0[key] ?? 0);
    if (bytes > 0) upload[key] = bytes;
  }
  const total = Object.values(upload).reduce((a, b) => a + b, 0);
  return {
    guests: guests.length,
    batches: series.batches,
    upload,
    uploadPerBatch: total / series.batches,
    mainThreadMsPerBatch: (main1.cpuMs - main0.cpuMs) / series.batches,
    taskMsPerBatch: (main1.taskMs - main0.taskMs) / series.batches,
    processCpuMsPerBatch: (cpu1 - cpu0) / series.batches,
    wallMs,
    idle: { mainThreadMsPerSecond: (main0.cpuMs - idleMain0.cpuMs) / idleSeconds, processCpuMsPerSecond: (cpu0 - idleCpu0) / idleSeconds },
  };
}
