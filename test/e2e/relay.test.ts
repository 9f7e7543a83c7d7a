// The relay end to end in real Chromium on loopback: page data through the
// server, sealed end to end. `CWMN_RELAY=always` sends everything through it;
// in `auto` a guest whose peer connection cannot be made (here: the guest's
// browser is given no way to gather a candidate) moves there by itself. The
// tests on real networks (NAT, firewalls) are in test/net/.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { leaksText, unsealedFrameWith } from './leaks.js';
import { launchBrowser, mirrorCenter, mirrorText, openHost, startCwmn, startSite, waitForViewerState, type Cwmn } from './harness.js';

type Recorded = { name: string; args: unknown[] };

/** Test-only: this page's peer connections gather no candidate (relay-only policy, no TURN): WebRTC cannot connect. */
function blockWebRtc(): void {
  const Original = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Original {
    constructor(config?: RTCConfiguration) {
      super({ ...config, iceServers: [], iceTransportPolicy: 'relay' });
    }
  } as typeof RTCPeerConnection;
}

/** A server (with `env`), a site and a browser for the tests of one block. */
function useServer(env: Record<string, string> = {}): { cwmn: Cwmn; site: { url: string; close(): Promise<void> }; browser: Browser } {
  const run = {} as { cwmn: Cwmn; site: { url: string; close(): Promise<void> }; browser: Browser };
  beforeAll(async () => {
    run.cwmn = await startCwmn(env);
    run.site = await startSite(run.cwmn.server.url);
    run.browser = await launchBrowser();
  });
  afterAll(async () => {
    await run.browser?.close();
    await run.site?.close();
    await run.cwmn?.close();
  });
  return run;
}

async function startHost(context: BrowserContext, siteUrl: string): Promise<{ host: Page; link: string }> {
  const host = await openHost(context, `${siteUrl}/host.html`);
  await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'Rhea Relay', hostEmail: 'rhea@example.com', isReplay: false }));
  const link = await host.evaluate(() => window.CwmnAPI!.guest.getInviteLink());
  return { host, link };
}

describe('relay: CWMN_RELAY=always', () => {
  let cwmn: Cwmn;
  let site: { url: string; close(): Promise<void> };
  let browser: Browser;
  let host: Page;
  let guest: Page;
  const relayed: Uint8Array[] = [];

  beforeAll(async () => {
    cwmn = await startCwmn({ CWMN_RELAY: 'always' }, undefined, (bytes) => relayed.push(bytes.slice()));
    site = await startSite(cwmn.server.url);
    browser = await launchBrowser();
    ({ host } = await startHost(await browser.newContext(), site.url).then(async (h) => {
      guest = await (await browser.newContext({ viewport: { width: 1000, height: 760 } })).newPage();
      await guest.goto(h.link);
      return h;
    }));
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await cwmn?.close();
  });

  it('shows the page through the server and says so', async () => {
    await waitForViewerState(guest, 'live');
    expect(await mirrorText(guest)).toContain('Fixture page for co-browsing');
    expect(await guest.evaluate(() => document.body.dataset.connection)).toBe('relay');
    expect(await guest.textContent('#cwmn-status')).toContain('Connected through the server');
    await host.waitForFunction(() => window.CwmnAPI!.guest.getGuestList()[0]?.connection === 'relay');
    // No peer connection was ever made on either side.
    expect(relayed.length).toBeGreaterThan(0);
  });

  it('mirrors changes, carries pointers and clicks both ways', async () => {
    await host.evaluate(() => {
      const li = document.createElement('li');
      li.textContent = 'Sent through the relay';
      document.getElementById('list')!.appendChild(li);
    });
    await guest.waitForFunction(() => document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!
      .contentDocument!.getElementById('list')?.textContent?.includes('Sent through the relay'));
    await host.fill('#secret', 'hunter2');
    // Masking is unchanged on the relay: the password leaves the host as a fixed-length mask.
    await guest.waitForFunction(() => document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!
      .contentDocument!.querySelector<HTMLInputElement>('#secret')?.value === '********');

    const box = await mirrorCenter(guest, 'target');
    await guest.mouse.move(box.x - 20, box.y - 10);
    await guest.mouse.move(box.x, box.y, { steps: 4 });
    await host.waitForFunction(() => {
      const g = window.CwmnAPI!.guest.getGuestList()[0];
      return g && g.x !== null && Math.abs(g.x - 360) <= 3 && Math.abs(g.y! - 230) <= 3;
    });
    await guest.mouse.click(box.x, box.y);
    await host.waitForFunction(() => (window as unknown as { __events: Recorded[] }).__events.some((e) => e.name === 'click'));

    await host.mouse.move(100, 100);
    await host.mouse.move(150, 120, { steps: 3 });
    await guest.waitForFunction(() => [...document.querySelectorAll('#cwmn-layer .cwmn-pointer span')].some((s) => s.textContent === 'Rhea Relay'));
  });

  it('pauses for privacy and resumes through the relay', async () => {
    await host.evaluate(() => window.CwmnAPI!.privacy.setEnabled(true));
    await waitForViewerState(guest, 'paused');
    await host.evaluate(() => window.CwmnAPI!.privacy.setEnabled(false));
    await waitForViewerState(guest, 'live');
  });

  it('never carries page text in the clear: the server sees sealed bodies only', async () => {
    const marker = 'Fixture page for co-browsing';
    const seen = Buffer.concat(relayed.map((b) => Buffer.from(b)));
    expect(seen.length).toBeGreaterThan(2_000); // The snapshot went through.
    expect(seen.includes(Buffer.from(marker))).toBe(false);
    // Nor deflated: were a frame our framing in the clear (a flag byte, then deflate-raw) it would
    // inflate to page text at some offset past the routing header. The detector finds it in such a
    // frame, and in none of the frames the server relayed.
    expect(leaksText(await unsealedFrameWith(marker), marker)).toBe(true);
    expect(relayed.filter((frame) => leaksText(frame, marker))).toEqual([]);
  });

  it('carries a guest whose link the server delivered (an email invite: no link secret)', async () => {
    await host.evaluate(() => window.CwmnAPI!.guest.inviteGuest({ guestName: 'Mo', guestEmail: 'mo@example.com', message: 'Over the relay' }));
    const outbox = await (await fetch(`${cwmn.server.url}/outbox.json`)).json() as { messages: { to: string; links: string[] }[] };
    const mailed = outbox.messages.find((m) => m.to === 'mo@example.com')!.links[0]!;
    expect(mailed).not.toContain('#k=');
    const invited = await (await browser.newContext()).newPage();
    try {
      await invited.goto(mailed);
      await waitForViewerState(invited, 'live');
      expect(await invited.evaluate(() => document.body.dataset.connection)).toBe('relay');
      expect(await mirrorText(invited)).toContain('Fixture page for co-browsing');
    } finally {
      await invited.close();
    }
  });

  it('ends the session for a relayed guest', async () => {
    await host.evaluate(() => window.CwmnAPI!.session.endSession());
    await waitForViewerState(guest, 'ended');
  });
});

describe('relay: CWMN_RELAY=auto, a guest whose network allows no peer connection', () => {
  const run = useServer();

  it('goes live through the relay by itself, within the fallback time', async () => {
    const { host, link } = await startHost(await run.browser.newContext(), run.site.url);
    const guestContext = await run.browser.newContext();
    await guestContext.addInitScript(blockWebRtc);
    const guest = await guestContext.newPage();
    const t0 = Date.now();
    await guest.goto(link);
    await waitForViewerState(guest, 'live', 15_000);
    const ms = Date.now() - t0;
    expect(await guest.evaluate(() => document.body.dataset.connection)).toBe('relay');
    expect(await guest.textContent('#cwmn-status')).toContain('your network does not allow a direct connection');
    expect(ms).toBeLessThan(10_000);
    await host.waitForFunction(() => window.CwmnAPI!.guest.getGuestList()[0]?.connection === 'relay');
    // Moving to the relay is not a connection issue.
    const names = await host.evaluate(() => (window as unknown as { __events: Recorded[] }).__events.map((e) => e.name));
    expect(names).not.toContain('connection issue');
    await host.evaluate(() => window.CwmnAPI!.session.endSession());
    await waitForViewerState(guest, 'ended');
  });

  it('an open network stays direct', async () => {
    const { host, link } = await startHost(await run.browser.newContext(), run.site.url);
    const guest = await (await run.browser.newContext()).newPage();
    await guest.goto(link);
    await waitForViewerState(guest, 'live');
    expect(await guest.evaluate(() => document.body.dataset.connection)).toBe('direct');
    expect(await guest.textContent('#cwmn-status')).toContain('Connected directly');
    await host.waitForFunction(() => window.CwmnAPI!.guest.getGuestList()[0]?.connection === 'direct');
    await host.evaluate(() => window.CwmnAPI!.session.endSession());
  });
});

describe('relay: a big room (CWMN_RELAY_FANOUT_GUESTS=1)', () => {
  const run = useServer({ CWMN_RELAY_FANOUT_GUESTS: '1' });

  it('one guest is direct; once a second joins, both go through the relay and keep the page live', async () => {
    const { host, link } = await startHost(await run.browser.newContext(), run.site.url);
    const first = await (await run.browser.newContext()).newPage();
    await first.goto(link);
    await waitForViewerState(first, 'live');
    expect(await first.evaluate(() => document.body.dataset.connection)).toBe('direct');

    const second = await (await run.browser.newContext()).newPage();
    await second.goto(await host.evaluate(() => window.CwmnAPI!.guest.getInviteLink()));
    await waitForViewerState(second, 'live');
    for (const guest of [first, second]) {
      await guest.waitForFunction(() => document.body.dataset.connection === 'relay');
      await waitForViewerState(guest, 'live');
      expect(await guest.textContent('#cwmn-status')).toContain('many guests are watching');
    }
    await host.waitForFunction(() => window.CwmnAPI!.guest.getGuestList().every((g) => g.connection === 'relay'));
    await host.evaluate(() => { document.getElementById('title')!.textContent = 'Fanned out'; });
    for (const guest of [first, second]) {
      await guest.waitForFunction(() => document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!
        .contentDocument!.getElementById('title')?.textContent === 'Fanned out');
    }
    await host.evaluate(() => window.CwmnAPI!.session.endSession());
  });
});
