// Session continuity end to end: the host browses (link, form, reload) while a
// guest watches; a peer link is cut and heals; the viewer reloads; expiry.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { keepPeerConnections, launchBrowser, startCwmn, startSite, waitForViewerState, type Cwmn } from './harness.js';

type Recorded = { name: string; args: unknown[] };
const log = (page: Page) => page.evaluate(() => (window as unknown as { __events: Recorded[] }).__events);
const mirrorTitle = (guest: Page) => guest.evaluate(() =>
  document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')?.contentDocument?.getElementById('title')?.textContent ?? null);

describe('session continuity', () => {
  let cwmn: Cwmn;
  let site: { url: string; close(): Promise<void> };
  let browser: Browser;
  let hostContext: BrowserContext;
  let host: Page;
  let guest: Page;

  beforeAll(async () => {
    cwmn = await startCwmn();
    site = await startSite(cwmn.server.url);
    browser = await launchBrowser();
    hostContext = await browser.newContext();
    host = await hostContext.newPage();
    await host.goto(`${site.url}/page-a.html`);
    await host.waitForFunction(() => window.CwmnAPI?.getCurrentState() === 'no session');
    await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'Nav Host' }));
    const link = await host.evaluate(() => window.CwmnAPI!.guest.getInviteLink());
    const guestContext = await browser.newContext();
    await guestContext.addInitScript(keepPeerConnections);
    guest = await guestContext.newPage();
    await guest.goto(`${link}?name=Walter`);
    await waitForViewerState(guest, 'live');
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await cwmn?.close();
  });

  async function expectResumedOn(title: string): Promise<void> {
    await host.waitForFunction(() => window.CwmnAPI?.getCurrentState() === 'in session');
    const names = (await log(host)).map((e) => e.name);
    expect(names.slice(0, 3)).toEqual(['init', 'session pending', 'in session']);
    const inSession = (await log(host)).find((e) => e.name === 'in session')!;
    expect(inSession.args).toEqual([true]);
    await expect.poll(() => mirrorTitle(guest), { timeout: 10_000 }).toBe(title);
    expect(await guest.getAttribute('body', 'data-state')).toBe('live');
    // The guest already present is announced by roomdata update, not guest connected.
    await host.waitForFunction(() => window.CwmnAPI!.guest.getGuestList().some((g) => g.name === 'Walter'));
    expect(names).not.toContain('guest connected');
    await host.waitForFunction(() => (window as unknown as { __events: Recorded[] }).__events.some((e) => e.name === 'roomdata update'
      && (e.args[0] as { name: string }[]).some((g) => g.name === 'Walter')));
  }

  it('follows the host through a link, a form submission and a reload', async () => {
    await host.click('#next');
    await expectResumedOn('Page B');
    await host.click('#next');
    await expectResumedOn('Page A');
    await host.fill('#q', 'boots');
    await host.click('#submit');
    await expectResumedOn('Page B');
    await host.reload();
    await expectResumedOn('Page B');
  });

  it('keeps the host’s choices across a page load: mute and privacy', async () => {
    const id = await host.evaluate(() => window.CwmnAPI!.guest.getGuestList()[0]!.id);
    await host.evaluate((g) => {
      window.CwmnAPI!.guest.muteGuest(g, true);
      window.CwmnAPI!.privacy.setEnabled(true);
    }, id);
    await waitForViewerState(guest, 'paused');
    await host.click('#next');
    await host.waitForFunction(() => window.CwmnAPI?.getCurrentState() === 'in session');
    await host.waitForFunction(() => window.CwmnAPI!.guest.getGuestList().length === 1);
    expect(await host.evaluate(() => window.CwmnAPI!.privacy.getEnabled())).toBe(true);
    expect(await host.evaluate(() => window.CwmnAPI!.guest.getGuestList()[0]!.isHidden)).toBe(true);
    await waitForViewerState(guest, 'paused');
    expect(await guest.textContent('#cwmn-pointer-note')).toContain('hidden your pointer');
    // The new page never reached the guest while the curtain was up.
    expect(await mirrorTitle(guest)).toBe('Page B');
    await host.evaluate((g) => {
      window.CwmnAPI!.privacy.setEnabled(false);
      window.CwmnAPI!.guest.muteGuest(g, false);
    }, id);
    await waitForViewerState(guest, 'live');
    await expect.poll(() => mirrorTitle(guest)).toBe('Page A');
  });

  it('heals a cut peer link: connection issue, then resolved, and the guest is live again', async () => {
    // Cut the guest's peer connection from inside the viewer page.
    await guest.evaluate(() => {
      const w = window as unknown as { __pcs?: RTCPeerConnection[] };
      for (const pc of w.__pcs ?? []) pc.close();
    });
    await host.waitForFunction(() => (window as unknown as { __events: Recorded[] }).__events.some((e) => e.name === 'connection issue'), undefined, { timeout: 10_000 });
    await host.waitForFunction(() => (window as unknown as { __events: Recorded[] }).__events.some((e) => e.name === 'connection issue resolved'), undefined, { timeout: 20_000 });
    await waitForViewerState(guest, 'live', 20_000);
    await host.evaluate(() => { document.getElementById('title')!.textContent = 'After the cut'; });
    await expect.poll(() => mirrorTitle(guest)).toBe('After the cut');
    const names = (await log(host)).map((e) => e.name);
    expect(names).not.toContain('guest disconnected');
  });
});
