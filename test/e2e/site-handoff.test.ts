// A site of several origins (`siteOrigins` in the domain settings): the host's
// session goes on when the tab goes from the shop to the checkout and back, as
// it does between pages of one origin; an origin outside the site starts fresh.
// The tests navigate the moment a page is `in session`: a page has its note by then.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, mirrorText, startCwmn, startSite, waitForViewerState, type Cwmn } from './harness.js';

type Recorded = { name: string; args: unknown[] };
type Site = { url: string; close(): Promise<void> };

describe('a session across the origins of one site', () => {
  let cwmn: Cwmn;
  let shop: Site;
  let checkout: Site;
  let blog: Site;
  let browser: Browser;
  let host: Page;
  let guest: Page;

  const events = () => host.evaluate(() => (window as unknown as { __events: Recorded[] }).__events.map((e) => [e.name, ...e.args]));
  const state = () => host.evaluate(() => window.CwmnAPI!.getCurrentState());
  /** Goes to `url` as a link would (a navigation the page starts, not the address bar). */
  const follow = async (url: string) => {
    await host.evaluate((to) => { location.href = to; }, url);
    await host.waitForURL(url);
    await host.waitForFunction(() => ['in session', 'no session'].includes(window.CwmnAPI?.getCurrentState() ?? ''));
  };

  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cwmn-site-')), 'domains.json');
    writeFileSync(file, JSON.stringify({ domains: {} }));
    cwmn = await startCwmn({ CWMN_DOMAINS_FILE: file });
    shop = await startSite(cwmn.server.url);
    checkout = await startSite(cwmn.server.url);
    blog = await startSite(cwmn.server.url);
    // The sites' ports are known only now; the server reads the file again when it changes.
    writeFileSync(file, JSON.stringify({ domains: { [shop.url]: { siteOrigins: [checkout.url] }, [blog.url]: {} } }));
    browser = await launchBrowser();
    host = await (await browser.newContext()).newPage();
    guest = await (await browser.newContext()).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([shop, checkout, blog].map((s) => s?.close()));
    await cwmn?.close();
  });

  it('starts on the shop, with a guest watching, muted', async () => {
    await host.goto(`${shop.url}/page-a.html`);
    await host.waitForFunction(() => window.CwmnAPI?.getCurrentState() === 'no session');
    await host.evaluate(() => { window.name = 'the shop\'s own name'; });
    await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'Sam', hostEmail: '', isReplay: false }));
    await guest.goto(await host.evaluate(() => window.CwmnAPI!.guest.getInviteLink()));
    await waitForViewerState(guest, 'live');
    await host.waitForFunction(() => window.CwmnAPI!.guest.getGuestList().length === 1);
    const [gia] = await host.evaluate(() => window.CwmnAPI!.guest.getGuestList());
    await host.evaluate((id) => window.CwmnAPI!.guest.muteGuest(id, true), gia!.id);
    await host.evaluate(() => window.CwmnAPI!.privacy.setEnabled(false));
  });

  it('goes on at the checkout: resumed, the guest follows, the mute state kept', async () => {
    const sessionId = await host.evaluate(() => window.CwmnAPI!.session.getSessionInfo().sessionId);
    await follow(`${checkout.url}/page-b.html`);
    expect(await state()).toBe('in session');
    expect(await events()).toEqual(expect.arrayContaining([['in session', true]]));
    expect((await events()).map((e) => e[0])).not.toContain('session failed');
    expect(await host.evaluate(() => window.CwmnAPI!.session.getSessionInfo().sessionId)).toBe(sessionId);
    await expect.poll(() => host.evaluate(() => window.CwmnAPI!.guest.getGuestList().map((g) => g.isHidden))).toEqual([true]);
    await expect.poll(() => mirrorText(guest), { timeout: 10_000 }).toContain('Page B');
  });

  it('and back to the shop, with what the host changed at the checkout', async () => {
    const [gia] = await host.evaluate(() => window.CwmnAPI!.guest.getGuestList());
    await host.evaluate((id) => window.CwmnAPI!.guest.muteGuest(id, false), gia!.id);
    await host.evaluate(() => window.CwmnAPI!.guest.muteAllGuests(true));
    await follow(`${shop.url}/page-a.html`);
    expect(await state()).toBe('in session');
    expect(await events()).toEqual(expect.arrayContaining([['in session', true]]));
    expect(await host.evaluate(() => window.CwmnAPI!.guest.getMuteAllGuests())).toBe(true);
    await expect.poll(() => host.evaluate(() => window.CwmnAPI!.guest.getGuestList().length)).toBe(1);
    await expect.poll(() => mirrorText(guest), { timeout: 10_000 }).toContain('Page A');
  });

  it('a replay recording goes on at the checkout too, and renders when it ends there', async () => {
    await host.evaluate(() => window.CwmnAPI!.session.endSession());
    await host.waitForFunction(() => window.CwmnAPI!.getCurrentState() === 'no session');
    expect(await host.evaluate(() => window.name)).toBe('the shop\'s own name'); // The note went with the session.
    await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'Sam', hostEmail: '', isReplay: true }));
    await follow(`${checkout.url}/page-b.html`);
    expect(await state()).toBe('in session');
    expect(await events()).toEqual(expect.arrayContaining([['in session', true]]));
    expect(await host.evaluate(() => window.CwmnAPI!.session.getSessionInfo().isReplay)).toBe(true);
    await host.evaluate(() => window.CwmnAPI!.session.endSession());
    await host.waitForFunction(() => window.CwmnAPI!.getCurrentState() === 'replay complete', undefined, { timeout: 60_000 });
    await host.evaluate(() => window.CwmnAPI!.replay.abandonVideo());
    expect(await host.evaluate(() => window.name)).toBe('the shop\'s own name'); // No note outlives its session.
  });

  it('does not go on at an origin outside the site: that page starts with no session, quietly, and the tab has its name back', async () => {
    await follow(`${blog.url}/page-b.html`);
    expect(await state()).toBe('no session');
    expect((await events()).map((e) => e[0])).toEqual(['init', 'ready no session']);
    expect(await host.evaluate(() => window.name)).toBe('the shop\'s own name');
  });
});
