// Host sessions and guests for the benchmark, on the end-to-end harness:
// the host page and each guest live in their own browser context of one browser.

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { openHost, waitForViewerState } from '../test/e2e/harness.js';
import { installGuestProbe, installHostProbe, type GuestProbe } from './probes.js';

export const HOST_NAME = 'Bench Host';
export const HOST_VIEWPORT = { width: 1000, height: 700 };
export const GUEST_VIEWPORT = { width: 1000, height: 760 };
/** Longest wait for a session to start or a guest to go live (a 100k-node snapshot included). */
export const SESSION_TIMEOUT_MS = 30_000;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Rejects with `what` when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface HostSession {
  page: Page;
  /** Elements + text nodes of the host document when the session started. */
  nodes: number;
  close(): Promise<void>;
}

/**
 * Opens `bench-page.html` built to about `nodes` nodes and starts a realtime
 * session on it; `instrument` runs in the page before its scripts, after the host probe.
 */
export async function startHostSession(browser: Browser, siteUrl: string, nodes: number, instrument?: () => void): Promise<HostSession> {
  const context = await browser.newContext({ viewport: HOST_VIEWPORT });
  try {
    await context.addInitScript(installHostProbe);
    if (instrument) await context.addInitScript(instrument);
    const page = await openHost(context, `${siteUrl}/bench-page.html?nodes=${nodes}`);
    const actual = await page.evaluate(() => (window as unknown as { __bench: { nodes: number } }).__bench.nodes);
    await withTimeout(page.evaluate((hostName) => window.CwmnAPI!.session.start({
      hostName, hostEmail: 'bench@example.com', isReplay: false,
    }).then(() => undefined), HOST_NAME), SESSION_TIMEOUT_MS, 'session.start()');
    return {
      page,
      nodes: actual,
      close: async () => {
        await withTimeout(page.evaluate(() => window.CwmnAPI!.session.endSession()), 5_000, 'endSession()').catch(() => {});
        await context.close();
      },
    };
  } catch (err) {
    await context.close();
    throw err;
  }
}

export function inviteLink(host: Page): Promise<string> {
  return withTimeout(host.evaluate(() => window.CwmnAPI!.guest.getInviteLink()), 10_000, 'getInviteLink()');
}

/** Number of guests the host lists. */
export function guestCount(host: Page): Promise<number> {
  return host.evaluate(() => window.CwmnAPI!.guest.getGuestList().length);
}

/** Waits (bounded) until the host lists `count` guests. */
export async function waitForGuestCount(host: Page, count: number, timeoutMs = 10_000): Promise<void> {
  await host.waitForFunction((n) => window.CwmnAPI!.guest.getGuestList().length === n, count, { timeout: timeoutMs });
}

export interface Guest {
  page: Page;
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Opens an invite link in a fresh browser context, instrumented by
 * `installGuestProbe`. With `waitLive`, resolves once the mirror is live.
 */
export async function openGuest(browser: Browser, link: string, name: string, waitLive = true): Promise<Guest> {
  const context = await browser.newContext({ viewport: GUEST_VIEWPORT });
  try {
    await context.addInitScript(installGuestProbe);
    const page = await context.newPage();
    await page.goto(`${link}?name=${encodeURIComponent(name)}`, { waitUntil: 'commit', timeout: SESSION_TIMEOUT_MS });
    if (waitLive) await waitForViewerState(page, 'live', SESSION_TIMEOUT_MS);
    const close = async () => {
      // Leave the way a user does (the viewer says goodbye on `pagehide`), then drop the context.
      await page.goto('about:blank', { timeout: 5_000 }).catch(() => {});
      await context.close();
    };
    return { page, context, close };
  } catch (err) {
    await context.close();
    throw err;
  }
}

/** The guest's probe, without its peer connections (not serializable). */
export function readGuestProbe(page: Page): Promise<Omit<GuestProbe, 'pcs'>> {
  return page.evaluate(() => {
    const { pcs: _pcs, ...rest } = (window as unknown as { __probe: GuestProbe }).__probe;
    return rest;
  });
}
