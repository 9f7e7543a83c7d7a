// Session continuity figures: host navigation between the demo pages → the
// guest shows the new page; and a dropped peer link → the guest is live again.

import type { Browser, Page } from 'playwright-core';
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
    return {
      navigationMs: await navigate(host, guest, serverUrl, navigations),
      reconnectMs: await dropPeerLinks(guest, drops),
    };
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

async function dropPeerLinks(guest: Page, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const droppedAt = await guest.evaluate(() => {
      const w = window as unknown as { __pcs: RTCPeerConnection[] };
      for (const pc of w.__pcs) pc.close();
      return performance.timeOrigin + performance.now();
    });
    await guest.waitForFunction(() => document.body.dataset.state !== 'live', undefined, { timeout: 5_000 }).catch(() => {});
    await waitForViewerState(guest, 'live', 15_000);
    samples.push(await guest.evaluate(() => performance.timeOrigin + performance.now()) - droppedAt);
    await sleep(500);
  }
  return samples;
}
