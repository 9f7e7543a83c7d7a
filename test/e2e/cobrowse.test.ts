// Live co-browsing end to end in real Chromium: a host page on another origin,
// guests opening invite links, real WebRTC between them.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, mirrorCenter, mirrorText, openHost, startCwmn, startSite, waitForViewerState, type Cwmn } from './harness.js';

type Recorded = { name: string; args: unknown[] };

/** Test-only: keeps every message a page receives on its pointer channel in `window.__pointerLane`. */
function keepPointerLane(): void {
  const lane: string[] = [];
  (window as unknown as { __pointerLane: string[] }).__pointerLane = lane;
  const create = RTCPeerConnection.prototype.createDataChannel;
  RTCPeerConnection.prototype.createDataChannel = function (this: RTCPeerConnection, label: string, init?: RTCDataChannelInit) {
    const channel = create.call(this, label, init);
    if (label === 'pointer') channel.addEventListener('message', (e) => lane.push(String(e.data)));
    return channel;
  };
}

describe('live co-browsing', () => {
  let cwmn: Cwmn;
  let site: { url: string; close(): Promise<void> };
  let browser: Browser;
  let hostContext: BrowserContext;
  let guestContext: BrowserContext;
  let host: Page;
  let guest: Page;
  let link: string;

  const events = (): Promise<Recorded[]> => host.evaluate(() => (window as unknown as { __events: Recorded[] }).__events);
  const mirror = <T>(fn: (doc: Document, win: Window) => T) => guest.evaluate(`(${fn.toString()})(
      document.querySelector('#cwmn-stage iframe').contentDocument,
      document.querySelector('#cwmn-stage iframe').contentWindow)`) as Promise<T>;

  beforeAll(async () => {
    cwmn = await startCwmn();
    site = await startSite(cwmn.server.url);
    browser = await launchBrowser();
    hostContext = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    guestContext = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    await guestContext.addInitScript(keepPointerLane);
    host = await openHost(hostContext, `${site.url}/host.html`);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await cwmn?.close();
  });

  it('initializes on another origin: init, then ready no session', async () => {
    const names = (await events()).map((e) => e.name);
    expect(names.slice(0, 2)).toEqual(['init', 'ready no session']);
    expect(await host.evaluate(() => window.CwmnAPI!.isCompatible())).toBe(true);
  });

  it('starts a session and hands out an invite link', async () => {
    const info = await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'Hannah Host', hostEmail: 'hannah@example.com', isReplay: false }));
    expect(info).toMatchObject({ isReplay: false, hostName: 'Hannah Host', hostEmail: 'hannah@example.com', guestCount: 0 });
    expect(info.expiresAt).toBeGreaterThan(info.startedAt);
    expect(await host.evaluate(() => window.CwmnAPI!.getCurrentState())).toBe('in session');
    link = await host.evaluate(() => window.CwmnAPI!.guest.getInviteLink());
    // The secret in the fragment never reaches a server; it authenticates the peer connection.
    expect(link).toMatch(new RegExp(`^${cwmn.server.url}/s/[A-Za-z0-9_-]{22,}#k=[A-Za-z0-9_-]{43}$`));
  });

  it('shows the host page to the guest who opens the link', async () => {
    guest = await guestContext.newPage();
    await guest.goto(`${link}?name=${encodeURIComponent('Alice <b>')}`);
    await waitForViewerState(guest, 'live');
    expect(await mirrorText(guest)).toContain('Fixture page for co-browsing');
    const sandbox = await guest.evaluate(() => document.querySelector('#cwmn-stage iframe')!.getAttribute('sandbox'));
    expect(sandbox).toBe('allow-same-origin');
    await host.waitForFunction(() => window.CwmnAPI!.guest.getGuestList().length === 1);
    const [g] = await host.evaluate(() => window.CwmnAPI!.guest.getGuestList());
    expect(g).toMatchObject({ name: 'Alice <b>', isHidden: false, x: null, y: null });
    const connected = (await events()).find((e) => e.name === 'guest connected');
    expect(connected?.args[0]).toBe(g!.id);
    expect(connected?.args[1]).toMatchObject({ id: g!.id, name: 'Alice <b>' });
  });

  it('mirrors DOM changes, input values and scrolling', async () => {
    await host.evaluate(() => {
      const li = document.createElement('li');
      li.textContent = 'Added while the guest watches';
      document.getElementById('list')!.appendChild(li);
    });
    await guest.waitForFunction(() => document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!
      .contentDocument!.getElementById('list')?.textContent?.includes('Added while the guest watches'));

    await host.fill('#comment', 'typed by the host');
    await guest.waitForFunction(() => document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!
      .contentDocument!.querySelector<HTMLInputElement>('#comment')?.value === 'typed by the host');

    await host.fill('#secret', 'hunter2');
    // Passwords are masked on the host, at a fixed length: not even the length leaves.
    await guest.waitForFunction(() => document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!
      .contentDocument!.querySelector<HTMLInputElement>('#secret')?.value === '********');

    await host.evaluate(() => window.scrollTo(0, 600));
    await guest.waitForFunction(() => document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!.contentWindow!.scrollY === 600);
  });

  it('reports the guest pointer as roomdata update and clicks as click, in host page coordinates', async () => {
    await host.evaluate(() => window.scrollTo(0, 0));
    await guest.waitForFunction(() => document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!.contentWindow!.scrollY === 0);
    // Where the host's #target (page 300,200 … 420,260) is drawn in the guest's window.
    const box = await mirrorCenter(guest, 'target');
    await guest.mouse.move(box.x - 20, box.y - 10);
    await guest.mouse.move(box.x, box.y, { steps: 4 });
    // The last `roomdata update` carries the final position (throttled, never dropped).
    await host.waitForFunction(() => {
      const updates = (window as unknown as { __events: Recorded[] }).__events.filter((e) => e.name === 'roomdata update');
      const g = (updates.at(-1)?.args[0] as { x: number | null; y: number | null }[] | undefined)?.[0];
      return g && g.x !== null && Math.abs(g.x - 360) <= 3 && Math.abs(g.y! - 230) <= 3;
    });
    const [listed] = await host.evaluate(() => window.CwmnAPI!.guest.getGuestList());
    expect(Math.abs(listed!.x! - 360)).toBeLessThanOrEqual(3);
    // A guest alone has no other pointers to see: its own moves send it nothing back
    // (at most the one empty list its link got when it opened).
    const lists = await guest.evaluate(() => (window as unknown as { __pointerLane: string[] }).__pointerLane
      .filter((m) => JSON.parse(m).t === 'pointers'));
    expect(lists.length).toBeLessThanOrEqual(1);

    await guest.mouse.click(box.x, box.y);
    await host.waitForFunction(() => (window as unknown as { __events: Recorded[] }).__events.some((e) => e.name === 'click'));
    const click = (await events()).find((e) => e.name === 'click')!;
    const [g] = await host.evaluate(() => window.CwmnAPI!.guest.getGuestList());
    expect(click.args[0]).toBe(g!.id);
    const pos = click.args[1] as { x: number; y: number };
    expect(Math.abs(pos.x - 360)).toBeLessThanOrEqual(3);
    expect(Math.abs(pos.y - 230)).toBeLessThanOrEqual(3);
  });

  it('draws the guest pointer in an overlay that is never mirrored back', async () => {
    expect(await host.evaluate(() => document.querySelectorAll('cwmn-overlay').length)).toBe(1);
    // The overlay's content is in a closed shadow root: the mirror holds only an empty host element.
    expect(await mirror((doc) => doc.querySelector('cwmn-overlay')?.childNodes.length ?? 0)).toBe(0);
    expect(await mirrorText(guest)).not.toContain('Alice');
  });

  it('shows the host cursor to the guest', async () => {
    await host.mouse.move(100, 100);
    await host.mouse.move(150, 120, { steps: 3 });
    await guest.waitForFunction(() => [...document.querySelectorAll('#cwmn-layer .cwmn-pointer span')]
      .some((s) => s.textContent === 'Hannah Host'));
  });

  it('refuses a second use of the one-time link and the host sees no new guest', async () => {
    const second = await guestContext.newPage();
    await second.goto(link);
    await waitForViewerState(second, 'link-used');
    expect(await second.textContent('#cwmn-status')).toContain('already used');
    expect(await host.evaluate(() => window.CwmnAPI!.guest.getGuestList().length)).toBe(1);
    await second.close();
  });

  it('ends the session: the guest is told, the host goes back to ready', async () => {
    await host.evaluate(() => window.CwmnAPI!.session.endSession());
    await waitForViewerState(guest, 'ended');
    expect(await guest.textContent('#cwmn-status')).toContain('The host ended the session');
    const names = (await events()).map((e) => e.name);
    expect(names.slice(-3)).toEqual(['end session', 'reinit', 'ready no session']);
    expect(await host.evaluate(() => window.CwmnAPI!.getCurrentState())).toBe('no session');
    expect(await host.evaluate(() => document.querySelectorAll('cwmn-overlay').length)).toBe(0);
  });
});
