// Managing guests end to end: remove, mute one, mute all, the public link.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  hostPointerLabels, launchBrowser, openHost, startCwmn, startSite, viewerPointerLabels, waitForViewerState, type Cwmn,
} from './harness.js';

type Recorded = { name: string; args: unknown[] };
const events = (host: Page) => host.evaluate(() => (window as unknown as { __events: Recorded[] }).__events);

describe('managing guests', () => {
  let cwmn: Cwmn;
  let site: { url: string; close(): Promise<void> };
  let browser: Browser;
  let host: Page;

  async function openGuest(url: string, name: string): Promise<Page> {
    const guest = await (await browser.newContext({ viewport: { width: 1000, height: 740 } })).newPage();
    await guest.goto(`${url}?name=${encodeURIComponent(name)}`);
    return guest;
  }

  async function joinPrivate(name: string): Promise<Page> {
    const link = await host.evaluate(() => window.CwmnAPI!.guest.getInviteLink());
    const guest = await openGuest(link, name);
    await waitForViewerState(guest, 'live');
    return guest;
  }

  async function guestId(name: string): Promise<string> {
    await host.waitForFunction((n) => window.CwmnAPI!.guest.getGuestList().some((g) => g.name === n), name);
    return host.evaluate((n) => window.CwmnAPI!.guest.getGuestList().find((g) => g.name === n)!.id, name);
  }

  /** Moves a guest's mouse over the mirror until the host has its position. */
  async function point(guest: Page, name: string, x: number, y: number): Promise<void> {
    await guest.mouse.move(x, y);
    await guest.mouse.move(x + 5, y + 5);
    await host.waitForFunction((n) => window.CwmnAPI!.guest.getGuestList().find((g) => g.name === n)?.x !== null, name);
  }

  beforeAll(async () => {
    cwmn = await startCwmn();
    site = await startSite(cwmn.server.url);
    browser = await launchBrowser();
    host = await openHost(await browser.newContext({ viewport: { width: 1000, height: 700 } }), `${site.url}/host.html`);
    await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'Hope' }));
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await cwmn?.close();
  });

  it('removes one guest; the other stays', async () => {
    const ann = await joinPrivate('Ann');
    const bob = await joinPrivate('Bob');
    const annId = await guestId('Ann');
    await host.evaluate((id) => window.CwmnAPI!.guest.removeGuest(id), annId);

    await waitForViewerState(ann, 'removed');
    expect(await ann.textContent('#cwmn-status')).toContain('You were removed from the session');
    expect(await host.evaluate(() => window.CwmnAPI!.guest.getGuestList().map((g) => g.name))).toEqual(['Bob']);
    const log = await events(host);
    expect(log.some((e) => e.name === 'guest disconnected' && e.args[0] === annId)).toBe(true);
    await host.waitForFunction((id) => (window as unknown as { __events: Recorded[] }).__events
      .filter((e) => e.name === 'roomdata update').at(-1)!.args[0] instanceof Array
      && !((window as unknown as { __events: Recorded[] }).__events.filter((e) => e.name === 'roomdata update').at(-1)!.args[0] as { id: string }[])
        .some((g) => g.id === id), annId);

    // Bob still sees live changes.
    await host.evaluate(() => { document.getElementById('title')!.textContent = 'Still here, Bob'; });
    await bob.waitForFunction(() => document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!
      .contentDocument!.getElementById('title')?.textContent === 'Still here, Bob');
    expect(await bob.getAttribute('body', 'data-state')).toBe('live');

    // An unknown id is refused with a stable code.
    const code = await host.evaluate(() => window.CwmnAPI!.guest.removeGuest('nobody123').then(() => 'ok', (e: { code: string }) => e.code));
    expect(code).toBe('ERR_NOT_FOUND');
    await ann.close();
    await bob.close();
  });

  it('mutes one guest: its pointer leaves the host page and the other guest, and its clicks stop', async () => {
    const cat = await joinPrivate('Cat');
    const dan = await joinPrivate('Dan');
    const catId = await guestId('Cat');
    await point(cat, 'Cat', 300, 300);
    await point(dan, 'Dan', 400, 300);
    await host.waitForFunction(() => true);
    await expect.poll(() => hostPointerLabels(host)).toEqual(expect.arrayContaining(['Cat', 'Dan']));
    await expect.poll(() => viewerPointerLabels(dan)).toContain('Cat');

    await host.evaluate((id) => window.CwmnAPI!.guest.muteGuest(id, true), catId);
    expect(await host.evaluate((id) => window.CwmnAPI!.guest.getGuestList().find((g) => g.id === id)!.isHidden, catId)).toBe(true);
    await expect.poll(() => hostPointerLabels(host)).not.toContain('Cat');
    await expect.poll(() => viewerPointerLabels(dan)).not.toContain('Cat');
    await expect.poll(() => cat.textContent('#cwmn-pointer-note')).toContain('hidden your pointer');

    const clicksBefore = (await events(host)).filter((e) => e.name === 'click').length;
    await cat.mouse.click(320, 320);
    await dan.mouse.click(420, 320);
    await host.waitForFunction((n) => (window as unknown as { __events: Recorded[] }).__events.filter((e) => e.name === 'click').length > n, clicksBefore);
    const clicks = (await events(host)).filter((e) => e.name === 'click').slice(clicksBefore);
    expect(clicks.map((c) => c.args[0])).toEqual([await guestId('Dan')]);
    // Positions are still reported while hidden.
    await cat.mouse.move(330, 330);
    await host.waitForFunction((id) => window.CwmnAPI!.guest.getGuestList().find((g) => g.id === id)!.x !== null, catId);

    await host.evaluate((id) => window.CwmnAPI!.guest.muteGuest(id, false), catId);
    await cat.mouse.move(340, 340);
    await expect.poll(() => hostPointerLabels(host)).toContain('Cat');
    await expect.poll(() => cat.isHidden('#cwmn-pointer-note')).toBe(true);
    await cat.close();
    await dan.close();
  });

  it('mute all is independent of each guest’s own mute, and covers guests who join later', async () => {
    const eve = await joinPrivate('Eve');
    const fay = await joinPrivate('Fay');
    const eveId = await guestId('Eve');
    await host.evaluate((id) => window.CwmnAPI!.guest.muteGuest(id, true), eveId);
    await host.evaluate(() => window.CwmnAPI!.guest.muteAllGuests(true));
    expect(await host.evaluate(() => window.CwmnAPI!.guest.getMuteAllGuests())).toBe(true);
    const gus = await joinPrivate('Gus');
    await guestId('Gus');
    const hidden = () => host.evaluate(() => Object.fromEntries(window.CwmnAPI!.guest.getGuestList().map((g) => [g.name, g.isHidden])));
    await expect.poll(hidden).toMatchObject({ Eve: true, Fay: true, Gus: true });
    await expect.poll(() => gus.textContent('#cwmn-pointer-note')).toContain('hidden your pointer');
    await point(fay, 'Fay', 350, 300);
    expect(await hostPointerLabels(host)).not.toContain('Fay');

    await host.evaluate(() => window.CwmnAPI!.guest.muteAllGuests(false));
    expect(await host.evaluate(() => window.CwmnAPI!.guest.getMuteAllGuests())).toBe(false);
    await expect.poll(hidden).toMatchObject({ Eve: true, Fay: false, Gus: false });
    await fay.mouse.move(360, 310);
    await expect.poll(() => hostPointerLabels(host)).toContain('Fay');
    for (const p of [eve, fay, gus]) await p.close();
  });

  it('public link: reusable while enabled, refused once disabled, a new link when re-enabled', async () => {
    expect(await host.evaluate(() => window.CwmnAPI!.publicLink.getEnabled())).toBe(false);
    const disabled = await host.evaluate(() => window.CwmnAPI!.publicLink.generate().then(() => 'ok', (e: { code: string }) => e.code));
    expect(disabled).toBe('ERR_INVALID_STATE');

    await host.evaluate(() => window.CwmnAPI!.publicLink.setEnabled(true));
    expect(await host.evaluate(() => window.CwmnAPI!.publicLink.getEnabled())).toBe(true);
    const url = await host.evaluate(() => window.CwmnAPI!.publicLink.generate());
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/s\/[A-Za-z0-9_-]{22,}#k=[A-Za-z0-9_-]{43}$/);
    const one = await openGuest(url, 'Pub One');
    const two = await openGuest(url, 'Pub Two');
    await waitForViewerState(one, 'live');
    await waitForViewerState(two, 'live');
    await guestId('Pub One');
    await guestId('Pub Two');

    await host.evaluate(() => window.CwmnAPI!.publicLink.setEnabled(false));
    const three = await openGuest(url, 'Pub Three');
    await waitForViewerState(three, 'link-revoked');
    expect(await three.textContent('#cwmn-status')).toContain('turned this link off');
    expect(await one.getAttribute('body', 'data-state')).toBe('live');

    await host.evaluate(() => window.CwmnAPI!.publicLink.setEnabled(true));
    const fresh = await host.evaluate(() => window.CwmnAPI!.publicLink.generate());
    expect(fresh).not.toBe(url);
    const four = await openGuest(url, 'Pub Four');
    await waitForViewerState(four, 'link-revoked');
    for (const p of [one, two, three, four]) await p.close();
  });

  it('rejects bad invites and unknown guests with stable codes', async () => {
    const codes = await host.evaluate(async () => {
      const api = window.CwmnAPI!;
      const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code: string }) => e.code);
      const sync = (f: () => unknown) => { try { f(); return 'ok'; } catch (e) { return (e as { code: string }).code; } };
      return {
        none: await code(api.guest.inviteGuest({ guestName: 'X' })),
        badEmail: await code(api.guest.inviteGuest({ guestEmail: 'nope@' })),
        badPhone: await code(api.guest.inviteGuest({ guestPhone: '12' })),
        longMessage: await code(api.guest.inviteGuest({ guestEmail: 'a@example.com', message: 'x'.repeat(1001) })),
        muteUnknown: sync(() => api.guest.muteGuest('nobody123', true)),
        muteBadFlag: sync(() => api.guest.muteGuest('nobody123', 'yes' as unknown as boolean)),
        muteAllBad: sync(() => api.guest.muteAllGuests(1 as unknown as boolean)),
        publicBad: await code(api.publicLink.setEnabled('on' as unknown as boolean)),
      };
    });
    expect(codes).toEqual({
      none: 'ERR_INVALID_PARAMS', badEmail: 'ERR_INVALID_PARAMS', badPhone: 'ERR_INVALID_PARAMS', longMessage: 'ERR_INVALID_PARAMS',
      muteUnknown: 'ERR_NOT_FOUND', muteBadFlag: 'ERR_INVALID_PARAMS', muteAllBad: 'ERR_INVALID_PARAMS', publicBad: 'ERR_INVALID_PARAMS',
    });
  });

  it('sends an email invite to the development outbox; its link works once', async () => {
    const result = await host.evaluate(() => window.CwmnAPI!.guest.inviteGuest({ guestName: 'Mia', guestEmail: 'mia@example.com', message: 'Join me!' }));
    expect(result).toMatchObject({ channel: 'email', to: 'mia@example.com' });
    const outbox = await (await fetch(`${cwmn.server.url}/outbox.json`)).json() as { messages: { to: string; links: string[] }[] };
    const mail = outbox.messages.find((m) => m.to === 'mia@example.com')!;
    const guest = await (await browser.newContext()).newPage();
    await guest.goto(mail.links[0]!);
    await waitForViewerState(guest, 'live');
    await guestId('Mia');
    const again = await (await browser.newContext()).newPage();
    await again.goto(mail.links[0]!);
    await waitForViewerState(again, 'link-used');
    await guest.close();
    await again.close();
  });
});
