// Link opened → first rendered frame: a fresh guest (own browser context, cold
// cache) opens a new invite link; the time is from its navigation start to the
// first animation frame after `<body data-state="live">`. Each join is also cut
// into stages, timed in the guest and host pages, to show where the time goes.

import type { Browser, Page } from 'playwright-core';
import type { HostProbe } from './probes.js';
import { guestCount, inviteLink, openGuest, readGuestProbe, SESSION_TIMEOUT_MS, waitForGuestCount } from './session.js';

/** The viewer's scripts, as the page loads them: the part that joins, and the replayer it loads meanwhile. */
export const VIEWER_SCRIPTS = ['viewer.js', 'mirror.js'] as const;

/** Stages of a join, in ms since the guest's navigation start, in the order they usually happen. */
export const JOIN_STAGES = {
  'viewer-html': 'viewer page (HTML) received',
  'viewer-js': 'viewer script that joins received (`viewer.js`)',
  'mirror-js': 'replayer script received (`mirror.js`, rrweb)',
  'ws-created': 'viewer script ran (signaling socket created)',
  'dom-content-loaded': 'DOMContentLoaded',
  'ws-open': 'signaling socket open',
  joined: 'server accepted the link (`joined`)',
  'host-pc': 'host created its peer connection',
  offer: "guest received the host's offer",
  'relay-signal': 'guest told to use the relay (relayed joins)',
  'relay-open': 'relay socket open (relayed joins)',
  'relay-ready': 'relay socket admitted (`relay-ready`)',
  'relay-keys': "host's relay hello received (keys agreed)",
  'mirror-built': 'replayer script ran once the guest answered (replayer built)',
  'host-open': 'data channels open on the host',
  'host-first-send': 'host sent the first snapshot frame (snapshot taken, serialized, deflated)',
  'first-frame': 'guest received the first page-data frame',
  'last-frame': 'guest received the last snapshot frame',
  decoded: 'snapshot inflated and decoded to text',
  live: 'snapshot applied (`data-state=live`)',
  frame: 'first animation frame after live',
} as const;

export type JoinStage = keyof typeof JOIN_STAGES;

export interface JoinSample {
  /** A warm-up join: kept for the record, left out of the figure. */
  warmup: boolean;
  /** Navigation start → first frame after live, ms. */
  totalMs: number;
  stages: Partial<Record<JoinStage, number>>;
  /** Bytes of page-data frames received before the snapshot was decoded (relayed: sealed bodies). */
  snapshotWireBytes: number;
  /** Characters of the decoded snapshot message. */
  snapshotChars: number;
  /** The viewer's scripts as they came over HTTP: body bytes sent, and once decoded (equal when uncompressed). */
  viewerScripts: ScriptTransfer[];
}

export interface ScriptTransfer {
  file: string;
  encodedBytes: number;
  decodedBytes: number;
}

/**
 * Joins `warmup + runs` times in a row, one guest at a time (each leaves before
 * the next opens its link). Warm-up joins absorb the browser's one-time costs
 * (first page loads, first peer connection), which a guest's long-running
 * browser has already paid; every join still starts with a cold cache.
 * Warm-up joins are returned too, flagged.
 */
export async function measureJoins(browser: Browser, host: Page, runs: number, label: string, warmup = 0): Promise<JoinSample[]> {
  const samples: JoinSample[] = [];
  const baseline = await guestCount(host);
  for (let i = 0; i < warmup + runs; i++) {
    const link = await inviteLink(host);
    const peersBefore = await host.evaluate(() => (window as unknown as { __probe: HostProbe }).__probe.peers.length);
    const guest = await openGuest(browser, link, `${label}-${i + 1}`, false);
    try {
      await guest.page.waitForFunction(() => 'frame' in (window as unknown as { __probe: { marks: object } }).__probe.marks,
        undefined, { timeout: SESSION_TIMEOUT_MS }).catch(async () => {
        throw new Error(`join ${i + 1}: no frame after live within ${SESSION_TIMEOUT_MS} ms; ${await whereItStopped(guest.page)}`);
      });
      const probe = await readGuestProbe(guest.page);
      const nav = await guest.page.evaluate((files) => {
        const entry = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
        const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
        const scripts = files.map((file) => {
          const r = resources.find((e) => e.name.endsWith(`/viewer/${file}`));
          return r ? { file, receivedAt: r.responseEnd, encodedBytes: r.encodedBodySize, decodedBytes: r.decodedBodySize } : null;
        }).filter((s) => s !== null);
        return { html: entry?.responseEnd ?? null, scripts };
      }, [...VIEWER_SCRIPTS]);
      // The host may have made other peer connections meanwhile (re-offers to the guest that just left):
      // this guest's is the one whose channels opened when the guest's did.
      const hostPeers = await host.evaluate((n) => (window as unknown as { __probe: HostProbe }).__probe.peers.slice(n), peersBefore);
      const domOpen = probe.marks['dom-open'] ?? Number.NaN;
      const hostPeer = hostPeers.filter((p) => p.open !== null)
        .sort((a, b) => Math.abs(a.open! - domOpen) - Math.abs(b.open! - domOpen))[0] ?? null;
      samples.push(toSample(probe, nav, hostPeer, i < warmup));
    } finally {
      await guest.close();
    }
    await waitForGuestCount(host, baseline).catch(() => {});
  }
  return samples;
}

/** The joins of one host of `measureJoinsAlternating`: its samples, and why they stopped early (null when they did not). */
export interface HostJoins {
  samples: JoinSample[];
  error: string | null;
}

/**
 * `warmup + runs` joins on each host, alternating between them (one join on
 * each in turn), so that other work on the machine weighs on every host alike.
 * A host whose join fails is not joined again; the others carry on.
 */
export async function measureJoinsAlternating(browser: Browser, hosts: readonly Page[], runs: number, label: string, warmup = 0): Promise<HostJoins[]> {
  const results: HostJoins[] = hosts.map(() => ({ samples: [], error: null }));
  for (let i = 0; i < warmup + runs; i++) {
    for (const [h, host] of hosts.entries()) {
      const r = results[h]!;
      if (r.error !== null) continue;
      const isWarmup = i < warmup;
      try {
        r.samples.push(...await measureJoins(browser, host, isWarmup ? 0 : 1, `${label}-${h + 1}-${i + 1}`, isWarmup ? 1 : 0));
      } catch (err) {
        r.error = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      }
    }
  }
  return results;
}

/** The last join stage a guest reached, and its status text, for a join that did not finish. */
export async function whereItStopped(page: Page): Promise<string> {
  try {
    const { marks, status } = await page.evaluate(() => ({
      marks: Object.entries((window as unknown as { __probe: { marks: Record<string, number> } }).__probe.marks)
        .map(([name, t]) => [name, Math.round(t - performance.timeOrigin)] as const),
      status: document.getElementById('cwmn-status')?.textContent ?? '',
    }));
    const last = [...marks].sort((a, b) => b[1] - a[1])[0];
    return `last mark: ${last ? `'${last[0]}' at ${last[1]} ms` : 'none'}; the viewer says "${status}"`;
  } catch {
    return 'the guest page did not answer';
  }
}

function toSample(
  probe: Awaited<ReturnType<typeof readGuestProbe>>,
  nav: { html: number | null; scripts: (ScriptTransfer & { receivedAt: number })[] },
  hostPeer: HostProbe['peers'][number] | null,
  warmup: boolean,
): JoinSample {
  const rel = (t: number | null | undefined) => (t === null || t === undefined ? undefined : round(t - probe.origin));
  const m = probe.marks;
  const live = m.live ?? Number.POSITIVE_INFINITY;
  // The snapshot is the largest message decoded before `live`.
  let snapshot: [number, number] | undefined;
  for (const d of probe.decodes) if (d[0] <= live && (!snapshot || d[1] > snapshot[1])) snapshot = d;
  const snapshotFrames = snapshot ? probe.frames.filter((f) => f[0] <= snapshot[0]) : [];
  const firstSend = hostPeer?.sends.find((s) => s[0] >= (hostPeer.open ?? 0));
  const received = (file: string) => {
    const t = nav.scripts.find((s) => s.file === file)?.receivedAt;
    return t === undefined ? undefined : round(t);
  };
  const stages: JoinSample['stages'] = {
    'viewer-html': nav.html === null ? undefined : round(nav.html),
    'viewer-js': received('viewer.js'),
    'mirror-js': received('mirror.js'),
    'ws-created': rel(m['ws-created']),
    'dom-content-loaded': rel(m['dom-content-loaded']),
    'ws-open': rel(m['ws-open']),
    'mirror-built': rel(m['mirror-built']),
    joined: rel(m.joined),
    'host-pc': rel(hostPeer?.created),
    offer: rel(m.offer),
    'relay-signal': rel(m['relay-signal']),
    'relay-open': rel(m['relay-open']),
    'relay-ready': rel(m['relay-ready']),
    'relay-keys': rel(m['relay-keys']),
    'host-open': rel(hostPeer?.open),
    'host-first-send': rel(firstSend?.[0]),
    'first-frame': rel(m['first-frame']),
    'last-frame': rel(snapshotFrames[snapshotFrames.length - 1]?.[0]),
    decoded: rel(snapshot?.[0]),
    live: rel(m.live),
    frame: rel(m.frame),
  };
  return {
    warmup,
    totalMs: round(m.frame! - probe.origin),
    stages,
    snapshotWireBytes: snapshotFrames.reduce((sum, f) => sum + f[1], 0),
    snapshotChars: snapshot?.[1] ?? 0,
    viewerScripts: nav.scripts.map(({ file, encodedBytes, decodedBytes }) => ({ file, encodedBytes, decodedBytes })),
  };
}

const round = (v: number) => Math.round(v * 10) / 10;
