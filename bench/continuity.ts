// Session continuity figures: host navigation between the demo pages → the
// guest shows the new page; and a dropped peer link → the guest is live again.

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { keepPeerConnections, openHost, waitForViewerState } from '../test/e2e/harness.js';
import { GUEST_VIEWPORT, HOST_VIEWPORT, sleep, withTimeout } from './session.js';

/** Demo pages the host walks through, in turn. */
const DEMO_PAGES = ['index.html', 'form.html', 'live.html', 'article.html'];

/** Records in the viewer page each new mirrored page title, with its time on the shared clock. */
function watchMirrorTitles(): void {
  const w = window as unknown as { __titles: { title: string; at: number }[] };
  w.__titles = [];
  let last = '';
  const tick = () => {
    const doc = document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')?.contentDocument;
    const title = doc?.title ?? '';
    if (title && title !== last && document.body.dataset.state === 'live') {
      last = title;
      w.__titles.push({ title, at: performance.timeOrigin + performance.now() });
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

export interface ContinuityFigures {
  /** Host clicks a link → the guest shows the new page, ms per navigation. */
  navigationMs: number[];
  /** Guest's peer connection closed → guest live again, ms per drop. */
  reconnectMs: number[];
  /** How each guest was connected once live again (`direct`, or `relay` when the host moved it there). */
  reconnectedVia: string[];
}

export async function measureContinuity(browser: Browser, serverUrl: string, navigations: number, drops: number): Promise<ContinuityFigures> {
  const hostContext = await browser.newContext({ viewport: HOST_VIEWPORT });
  const guestContext = await browser.newContext({ viewport: GUEST_VIEWPORT });
  try {
    const host = await openHost(hostContext, `${serverUrl}/demo/${DEMO_PAGES[0]}`);
    await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'Bench Host' }));
    const link = await host.evaluate(() => window.CwmnAPI!.guest.getInviteLink());
    await guestContext.addInitScript(keepPeerConnections);
    await guestContext.addInitScript(watchMirrorTitles);
    const guest = await guestContext.newPage();
    await guest.goto(link);
    await waitForViewerState(guest, 'live', 30_000);
    const navigationMs = await navigate(host, guest, serverUrl, navigations);
    return { navigationMs, ...await dropPeerLinks(browser, host, guest, drops) };
  } finally {
    await hostContext.close();
    await guestContext.close();
  }
}

async function navigate(host: Page, guest: Page, serverUrl: string, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 1; i <= count; i++) {
    const page = DEMO_PAGES[i % DEMO_PAGES.length]!;
    const seen = await guest.evaluate(() => (window as unknown as { __titles: unknown[] }).__titles.length);
    const clickedAt = await host.evaluate(() => performance.timeOrigin + performance.now());
    await host.goto(`${serverUrl}/demo/${page}`);
    const arrived = await withTimeout(guest.waitForFunction(
      (n) => (window as unknown as { __titles: { at: number }[] }).__titles[n]?.at,
      seen, { timeout: 10_000 },
    ).then((h) => h.jsonValue() as Promise<number>), 11_000, `navigation to ${page}`);
    samples.push(arrived - clickedAt);
    await sleep(300);
  }
  return samples;
}

/**
 * Closes a guest's peer connections `count` times, timing each until the
 * viewer is live again. A guest the host moved to the relay (what a dropped
 * direct link leads to while the server's relay is on) has no peer
 * connection left to drop: the next drop is on a new guest, connected directly.
 */
async function dropPeerLinks(browser: Browser, host: Page, first: Page, count: number): Promise<Pick<ContinuityFigures, 'reconnectMs' | 'reconnectedVia'>> {
  const reconnectMs: number[] = [];
  const reconnectedVia: string[] = [];
  const contexts: BrowserContext[] = [];
  let guest = first;
  try {
    for (let i = 0; i < count; i++) {
      if (await connection(guest) !== 'direct') {
        const context = await browser.newContext({ viewport: GUEST_VIEWPORT });
        contexts.push(context);
        await context.addInitScript(keepPeerConnections);
        guest = await context.newPage();
        await guest.goto(await host.evaluate(() => window.CwmnAPI!.guest.getInviteLink()));
        await waitForViewerState(guest, 'live', 30_000);
        if (await connection(guest) !== 'direct') throw new Error(`a new guest to drop the peer link of is connected ${await connection(guest)}`);
      }
      const droppedAt = await guest.evaluate(() => {
        const w = window as unknown as { __pcs: RTCPeerConnection[]; __leftLive: boolean };
        // The viewer may be live again within a frame: note that it left, whenever it did.
        w.__leftLive = false;
        new MutationObserver((_, observer) => {
          if (document.body.dataset.state === 'live') return;
          w.__leftLive = true;
          observer.disconnect();
        }).observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
        for (const pc of w.__pcs) pc.close();
        return performance.timeOrigin + performance.now();
      });
      await guest.waitForFunction(() => (window as unknown as { __leftLive: boolean }).__leftLive, undefined, { timeout: 5_000 });
      await waitForViewerState(guest, 'live', 15_000);
      reconnectMs.push(await guest.evaluate(() => performance.timeOrigin + performance.now()) - droppedAt);
      reconnectedVia.push(await connection(guest));
      await sleep(500);
    }
    return { reconnectMs, reconnectedVia };
  } finally {
    for (const context of contexts) await context.close();
  }
}

const connection = (guest: Page) => guest.evaluate(() => document.body.dataset.connection ?? 'none');
