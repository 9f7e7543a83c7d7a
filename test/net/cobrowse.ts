// A co-browsing session between two browsers of the test network: a host page
// starts a session, a guest opens its invite link, and both sides are asked how
// page data reaches the guest. Every page keeps its peer connections and console
// lines, so a failed wait says what each side saw.

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { keepPeerConnections, mirrorText, openHost } from '../e2e/harness.js';
import { peerStates } from './peer-stats.js';

/** How page data reaches a guest (`<body data-connection>`, the host's `guest.connection`). */
export type ConnectionKind = 'direct' | 'turn' | 'relay';

/** The heading of test/e2e/fixtures/host.html: proof the mirror shows the host's page. */
export const FIXTURE_TITLE = 'Fixture page for co-browsing';

/** The start of the viewer's status line for each kind (src/viewer/status.ts). */
export const CONNECTION_WORDS: Record<ConnectionKind, string> = {
  direct: 'Connected directly',
  turn: 'Connected through a TURN server',
  relay: 'Connected through the server',
};

/** Console lines kept per page, for diagnostics. */
const MAX_CONSOLE_LINES = 200;
/** Console lines of each page a failure message shows. */
const MAX_DIAGNOSED_LINES = 40;

/** One event the host page recorded (test/e2e/fixtures/host.html). */
export type HostEvent = { name: string; args: unknown[] };

/** A guest as `CwmnAPI.guest.getGuestList()` reports it, with the transport the host uses. */
export type ReportedGuest = { id: string; name: string; x: number | null; y: number | null; connection?: ConnectionKind | null };

/** A running session: the host page, one guest's viewer, and how long the guest took to go live. */
export interface Session {
  host: Page;
  guest: Page;
  /** From the guest opening its link to `<body data-state="live">`. */
  liveAfterMs: number;
  /** For a failure message: the known product bugs the session shows (first), console lines, each side's peer connections. */
  diagnose(): Promise<string>;
  /** Ends the session (if still on) and closes both contexts. Idempotent. */
  close(): Promise<void>;
}

/** Options of `startSession`. */
export interface SessionOptions {
  /** Origin serving the host fixture (`startSite`). */
  siteUrl: string;
  hostName: string;
  /** How long the guest may take to go live. */
  liveTimeoutMs: number;
  /** Run on the host page before its session starts (e.g. put a canary on it). */
  prepareHost?: (host: Page) => Promise<void>;
}

/** Test-only: a viewer page logs each change of its `<body data-state|data-connection>` to the console. */
function logViewerStates(): void {
  const t0 = performance.now();
  let last = '';
  const log = () => {
    const now = `state=${document.body.dataset.state} connection=${document.body.dataset.connection}`;
    if (now !== last) console.log(`[viewer +${Math.round(performance.now() - t0)} ms] ${(last = now)}`);
  };
  document.addEventListener('DOMContentLoaded', () => {
    if (!document.getElementById('cwmn-stage')) return; // Not a viewer page.
    log();
    new MutationObserver(log).observe(document.body, { attributes: true, attributeFilter: ['data-state', 'data-connection'] });
  });
}

/** Starts a session on `hostBrowser` and joins it from `guestBrowser`; resolves once the guest is live. */
export async function startSession(hostBrowser: Browser, guestBrowser: Browser, options: SessionOptions): Promise<Session> {
  const contexts: BrowserContext[] = [];
  const consoles = { host: [] as string[], guest: [] as string[] };
  const newContext = async (browser: Browser, lines: string[]) => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    contexts.push(context);
    await context.addInitScript(keepPeerConnections);
    await context.addInitScript(logViewerStates);
    context.on('console', (m) => {
      lines.push(`${m.type()}: ${m.text()}`);
      if (lines.length > MAX_CONSOLE_LINES) lines.shift();
    });
    return context;
  };
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= (async () => {
    const host = contexts[0]?.pages()[0];
    await host?.evaluate(async () => {
      if (window.CwmnAPI?.getCurrentState() === 'in session') await window.CwmnAPI.session.endSession();
    }).catch(() => {});
    for (const c of contexts) await c.close().catch(() => {});
  })());

  try {
    const host = await openHost(await newContext(hostBrowser, consoles.host), `${options.siteUrl}/host.html`);
    await options.prepareHost?.(host);
    await host.evaluate((hostName) => window.CwmnAPI!.session.start({ hostName, hostEmail: 'host@example.com', isReplay: false }), options.hostName);
    const link = await host.evaluate(() => window.CwmnAPI!.guest.getInviteLink());
    const guest = await (await newContext(guestBrowser, consoles.guest)).newPage();
    const diagnose = async () => {
      const view: Record<string, string | undefined> = await guest
        .evaluate(() => ({ ...document.body.dataset, status: document.querySelector('#cwmn-status')?.textContent ?? undefined }))
        .catch((e: Error) => ({ error: e.message }));
      const list = await host.evaluate(() => window.CwmnAPI?.guest.getGuestList() as unknown as ReportedGuest[]).catch(() => []);
      const [hostPcs, guestPcs] = await Promise.all([peerStates(host), peerStates(guest)]);
      return [
        `host console:\n  ${consoles.host.slice(-MAX_DIAGNOSED_LINES).join('\n  ')}`,
        `host peer connections: ${JSON.stringify(hostPcs)}`,
        `host guest list: ${JSON.stringify(list)}`,
        `guest console:\n  ${consoles.guest.slice(-MAX_DIAGNOSED_LINES).join('\n  ')}`,
        `guest peer connections: ${JSON.stringify(guestPcs)}`,
        `guest body: ${JSON.stringify(view)}`,
      ].join('\n');
    };
    const t0 = Date.now();
    await guest.goto(link);
    try {
      await guest.waitForFunction(() => document.body.dataset.state === 'live', undefined, { timeout: options.liveTimeoutMs });
    } catch (err) {
      throw new Error(`the guest did not go live within ${options.liveTimeoutMs} ms:\n${await diagnose()}`, { cause: err });
    }
    return { host, guest, liveAfterMs: Date.now() - t0, diagnose, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Waits until the guest's viewer shows `kind` (live, the host's page mirrored,
 * `data-connection`, the status words) and the host reports it for that guest;
 * returns the time waited. The failure message carries `session.diagnose()`.
 */
export async function expectConnection(session: Session, kind: ConnectionKind, timeoutMs: number): Promise<number> {
  const { host, guest } = session;
  const t0 = Date.now();
  try {
    await guest.waitForFunction((k) => document.body.dataset.state === 'live' && document.body.dataset.connection === k, kind, { timeout: timeoutMs });
    await host.waitForFunction((k) => window.CwmnAPI!.guest.getGuestList()[0]?.connection === k, kind, { timeout: Math.max(1_000, timeoutMs - (Date.now() - t0)) });
  } catch (err) {
    throw new Error(`expected "${kind}" on both sides within ${timeoutMs} ms:\n${await session.diagnose()}`, { cause: err });
  }
  const waited = Date.now() - t0;
  const seen = await guest.evaluate(() => ({
    state: document.body.dataset.state,
    connection: document.body.dataset.connection,
    status: document.querySelector('#cwmn-status')?.textContent ?? '',
  }));
  expect(seen.state).toBe('live');
  expect(seen.connection).toBe(kind);
  expect(seen.status).toContain(CONNECTION_WORDS[kind]);
  expect(await mirrorText(guest)).toContain(FIXTURE_TITLE);
  expect((await guestList(host))[0]?.connection).toBe(kind);
  return waited;
}

/** The host's `getGuestList()`. */
export function guestList(host: Page): Promise<ReportedGuest[]> {
  return host.evaluate(() => window.CwmnAPI!.guest.getGuestList() as unknown as ReportedGuest[]);
}

/** The events the host page recorded so far. */
export function hostEvents(host: Page): Promise<HostEvent[]> {
  return host.evaluate(() => (window as unknown as { __events: HostEvent[] }).__events);
}

/**
 * Waits until, in the mirrored page, `selector`'s text contains `expected` (`textContent`)
 * or its value is exactly `expected` (`value`).
 */
export async function waitForMirror(guest: Page, selector: string, property: 'textContent' | 'value', expected: string, timeoutMs = 10_000): Promise<void> {
  await guest.waitForFunction(([sel, prop, want]) => {
    const el = document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')?.contentDocument?.querySelector(sel);
    if (prop === 'value') return (el as HTMLInputElement | null)?.value === want;
    return el?.textContent?.includes(want) ?? false;
  }, [selector, property, expected] as const, { timeout: timeoutMs });
}
