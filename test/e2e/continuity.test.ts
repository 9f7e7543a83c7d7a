// Session continuity end to end: the host browses (link, form, reload) while a
// guest watches; a peer link is cut and heals; the viewer reloads; expiry.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { keepPeerConnections, launchBrowser, startCwmn, startCwmnProcess, startSite, waitForViewerState, type Cwmn } from './harness.js';

type Recorded = { name: string; args: unknown[] };
const log = (page: Page) => page.evaluate(() => (window as unknown as { __events: Recorded[] }).__events);
const mirrorTitle = (guest: Page) => guest.evaluate(() =>
  document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')?.contentDocument?.getElementById('title')?.textContent ?? null);

/** Keeps every status the viewer shows from now on in `window.__states`. */
async function recordViewerStates(guest: Page): Promise<void> {
  await guest.evaluate(() => {
    const w = window as unknown as { __states: string[] };
    w.__states = [];
    new MutationObserver(() => w.__states.push(document.body.dataset.state ?? ''))
      .observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
  });
}

/** Closes the viewer's peer connections from inside its page (they were kept by `keepPeerConnections`). */
async function cutPeerLinks(guest: Page): Promise<void> {
  await guest.evaluate(() => {
    for (const pc of (window as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? []) pc.close();
  });
}

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
    await waitForViewerState(guest, 'live');
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
    await host.evaluate(() => { document.getElementById('title')!.textContent = 'Before the reload'; });
    await expect.poll(() => mirrorTitle(guest)).toBe('Before the reload');
    await host.reload();
    await expectResumedOn('Page B');
  });

  it('keeps the host’s choices across a page load: mute and privacy', async () => {
    const id = await host.evaluate(() => window.CwmnAPI!.guest.getGuestList()[0]!.id);
    await host.evaluate((g) => {
      window.CwmnAPI!.guest.muteGuest(g, true);
      window.CwmnAPI!.privacy.setEnabled(true);
    }, id);
    await host.evaluate(() => window.CwmnAPI!.publicLink.setEnabled(true));
    const publicLink = await host.evaluate(() => window.CwmnAPI!.publicLink.generate());
    await waitForViewerState(guest, 'paused');
    await host.click('#next');
    await host.waitForFunction(() => window.CwmnAPI?.getCurrentState() === 'in session');
    await host.waitForFunction(() => window.CwmnAPI!.guest.getGuestList().length === 1);
    expect(await host.evaluate(() => window.CwmnAPI!.privacy.getEnabled())).toBe(true);
    expect(await host.evaluate(() => window.CwmnAPI!.publicLink.getEnabled())).toBe(true);
    expect(await host.evaluate(() => window.CwmnAPI!.publicLink.generate())).toBe(publicLink); // The same link still works.
    await host.evaluate(() => window.CwmnAPI!.publicLink.setEnabled(false));
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

  it('a cut peer link moves the guest to the relay at once (no connection issue), and a later offer brings it back to direct', async () => {
    await recordViewerStates(guest);
    await cutPeerLinks(guest);
    await guest.waitForFunction(() => document.body.dataset.connection === 'relay', undefined, { timeout: 15_000 });
    await waitForViewerState(guest, 'live', 15_000);
    await host.evaluate(() => { document.getElementById('title')!.textContent = 'After the cut'; });
    await expect.poll(() => mirrorTitle(guest)).toBe('After the cut');
    // While relayed, the host offers a new peer connection after 15 s: the guest goes back to direct.
    await guest.waitForFunction(() => document.body.dataset.connection === 'direct', undefined, { timeout: 60_000 });
    await waitForViewerState(guest, 'live');
    await host.evaluate(() => { document.getElementById('title')!.textContent = 'Direct again'; });
    await expect.poll(() => mirrorTitle(guest)).toBe('Direct again');
    const names = (await log(host)).map((e) => e.name);
    expect(names).not.toContain('connection issue');
    expect(names).not.toContain('guest disconnected');
  }, 100_000);

  it('reports a session that is gone when a page tries to resume it: session failed, then ready no session', async () => {
    const kept = await host.evaluate(() => sessionStorage.getItem('cwmn:host-session'));
    await host.evaluate(() => window.CwmnAPI!.session.endSession());
    // As if the session had ended elsewhere while this tab still held it.
    await host.evaluate((value) => sessionStorage.setItem('cwmn:host-session', value!), kept);
    await host.reload();
    await host.waitForFunction(() => window.CwmnAPI?.getCurrentState() === 'no session');
    const events = await log(host);
    expect(events.map((e) => e.name)).toEqual(['init', 'session pending', 'session failed', 'ready no session']);
    expect((events[2]!.args[0] as { code: string }).code).toBe('ERR_SESSION_ENDED');
    expect(await host.evaluate(() => sessionStorage.getItem('cwmn:host-session'))).toBeNull();
  });
});

describe('continuity across restarts, reloads and expiry', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function hostAndGuest(serverUrl: string, siteUrl: string, guestInit?: () => void): Promise<{ host: Page; guest: Page }> {
    const host = await (await browser.newContext()).newPage();
    await host.goto(`${siteUrl}/page-a.html`);
    await host.waitForFunction(() => window.CwmnAPI?.getCurrentState() === 'no session');
    await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'Rae' }));
    const link = await host.evaluate(() => window.CwmnAPI!.guest.getInviteLink());
    expect(link.startsWith(serverUrl)).toBe(true);
    const guestContext = await browser.newContext();
    if (guestInit) await guestContext.addInitScript(guestInit);
    const guest = await guestContext.newPage();
    await guest.goto(link);
    await waitForViewerState(guest, 'live');
    return { host, guest };
  }

  it('with the relay off, heals a cut peer link: connection issue, then resolved, and the guest is live again', async () => {
    const cwmn = await startCwmn({ CWMN_RELAY: 'off' });
    const site = await startSite(cwmn.server.url);
    try {
      const { host, guest } = await hostAndGuest(cwmn.server.url, site.url, keepPeerConnections);
      await recordViewerStates(guest);
      await cutPeerLinks(guest);
      await host.waitForFunction(() => (window as unknown as { __events: Recorded[] }).__events.some((e) => e.name === 'connection issue'), undefined, { timeout: 10_000 });
      await host.waitForFunction(() => (window as unknown as { __events: Recorded[] }).__events.some((e) => e.name === 'connection issue resolved'), undefined, { timeout: 20_000 });
      await waitForViewerState(guest, 'live', 20_000);
      expect(await guest.evaluate(() => (window as unknown as { __states: string[] }).__states)).toContain('reconnecting');
      expect(await guest.evaluate(() => document.body.dataset.connection)).toBe('direct');
      await host.evaluate(() => { document.getElementById('title')!.textContent = 'After the cut'; });
      await expect.poll(() => mirrorTitle(guest)).toBe('After the cut');
      expect((await log(host)).map((e) => e.name)).not.toContain('guest disconnected');
    } finally {
      await site.close();
      await cwmn.close();
    }
  });

  it('survives a killed and restarted server process', async () => {
    const cwmn = await startCwmnProcess({ CWMN_GUEST_GRACE_SECONDS: '20' });
    const site = await startSite(cwmn.url);
    try {
      const { host, guest } = await hostAndGuest(cwmn.url, site.url);
      await cwmn.kill();
      await host.waitForFunction(() => (window as unknown as { __events: Recorded[] }).__events.some((e) => e.name === 'connection issue'));
      // Page data is peer-to-peer: the guest still sees changes while the server is down.
      await host.evaluate(() => { document.getElementById('title')!.textContent = 'While the server is down'; });
      await expect.poll(() => mirrorTitle(guest)).toBe('While the server is down');
      await cwmn.restart();
      await host.waitForFunction(() => (window as unknown as { __events: Recorded[] }).__events.some((e) => e.name === 'connection issue resolved'), undefined, { timeout: 20_000 });
      // The session is still there: a new link works, and the first guest is still listed.
      const link = await host.evaluate(() => window.CwmnAPI!.guest.getInviteLink());
      const second = await (await browser.newContext()).newPage();
      await second.goto(link);
      await waitForViewerState(second, 'live');
      await host.waitForFunction(() => window.CwmnAPI!.guest.getGuestList().length === 2, undefined, { timeout: 20_000 });
      expect(await guest.getAttribute('body', 'data-state')).toBe('live');
      expect((await log(host)).map((e) => e.name)).not.toContain('end session');
    } finally {
      await site.close();
      await cwmn.close();
    }
  });

  it('lets a guest reload the viewer and rejoin without a new link, unnoticed by the host', async () => {
    const cwmn = await startCwmn();
    const site = await startSite(cwmn.server.url);
    try {
      const { host, guest } = await hostAndGuest(cwmn.server.url, site.url);
      await host.waitForFunction(() => window.CwmnAPI!.guest.getGuestList().length === 1);
      await guest.reload();
      await waitForViewerState(guest, 'live');
      await host.evaluate(() => { document.getElementById('title')!.textContent = 'After the reload'; });
      await expect.poll(() => mirrorTitle(guest)).toBe('After the reload');
      const names = (await log(host)).map((e) => e.name);
      expect(names.filter((n) => n === 'guest connected')).toHaveLength(1);
      expect(names).not.toContain('guest disconnected');
      expect(await host.evaluate(() => window.CwmnAPI!.guest.getGuestList().length)).toBe(1);
    } finally {
      await site.close();
      await cwmn.close();
    }
  });

  it('ends an expired session: expired, end session, reinit, ready no session; the guest is told', async () => {
    const cwmn = await startCwmn({ CWMN_SESSION_MAX_SECONDS: '4' });
    const site = await startSite(cwmn.server.url);
    try {
      const { host, guest } = await hostAndGuest(cwmn.server.url, site.url);
      await host.waitForFunction(() => window.CwmnAPI!.getCurrentState() === 'no session', undefined, { timeout: 15_000 });
      const names = (await log(host)).map((e) => e.name);
      expect(names.slice(-4)).toEqual(['expired', 'end session', 'reinit', 'ready no session']);
      await waitForViewerState(guest, 'expired');
      expect(await guest.textContent('#cwmn-status')).toContain('expired');
    } finally {
      await site.close();
      await cwmn.close();
    }
  });
});
