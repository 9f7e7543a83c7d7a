// The domain settings file in real Chromium: selectors from the server's
// settings mask and block parts of a page that marks nothing itself (the
// mirror shows asterisks and a placeholder; no canary is in anything the
// guest's viewer received and decoded), a disabled session kind is refused by
// the embed before any request, and an origin the file does not list gets
// `unauthorized` + `init failed`.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { decodePayload, FrameAssembler } from '../../src/protocol/index.js';
import { launchBrowser, openHost, startCwmn, startSite, waitForViewerState, type Cwmn } from './harness.js';

/** Test-only instrumentation: a copy of every data-channel message the page receives, by channel label. */
function captureInbound(): void {
  const w = window as unknown as { __received: { label: string; data: number[] | string }[] };
  w.__received = [];
  const create = RTCPeerConnection.prototype.createDataChannel;
  RTCPeerConnection.prototype.createDataChannel = function (this: RTCPeerConnection, label: string, init?: RTCDataChannelInit) {
    const channel = create.call(this, label, init);
    channel.addEventListener('message', (e: MessageEvent) => {
      const data = e.data instanceof ArrayBuffer ? Array.from(new Uint8Array(e.data)) : String(e.data);
      w.__received.push({ label, data });
    });
    return channel;
  };
}

type Recorded = { name: string };
const names = (page: Page) => page.evaluate(() => (window as unknown as { __events: Recorded[] }).__events.map((e) => e.name));

/** Runs `fn` in the page and returns the error code it threw or rejected with (or 'ok'). */
function codeOf(page: Page, fn: string): Promise<string> {
  return page.evaluate(`(async () => {
    try { await (${fn})(); return 'ok'; } catch (e) { return e && e.name === 'CwmnError' ? e.code : 'not a CwmnError: ' + e; }
  })()`);
}

const CANARIES = [
  'CANARY-DOMAIN-NOTE', 'CANARY-DOMAIN-VALUE', 'CANARY-DOMAIN-BLOCKED', 'CANARY-DOMAIN-CHILD',
  'CANARY-DOMAIN-TYPED', 'CANARY-DOMAIN-LATER-NOTE', 'CANARY-DOMAIN-LATER-BLOCKED',
];

describe('domain settings (CWMN_DOMAINS_FILE)', () => {
  let dir: string;
  let file: string;
  let cwmn: Cwmn;
  let site: { url: string; close(): Promise<void> };
  let browser: Browser;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cwmn-e2e-domains-'));
    file = path.join(dir, 'domains.json');
    fs.writeFileSync(file, JSON.stringify({ domains: { 'https://shop.example.com': {} } }));
    cwmn = await startCwmn({ CWMN_DOMAINS_FILE: file });
    site = await startSite(cwmn.server.url);
    // The site's port is known only now: the running server picks the edit up.
    fs.writeFileSync(file, JSON.stringify({
      domains: {
        [site.url]: {
          features: { realtime: true, replay: false },
          maskSelectors: ['.secret-note'],
          blockSelectors: ['.blocked-by-domain'],
          limits: { maxGuests: 3 },
        },
        'https://shop.example.com': {},
      },
    }));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await cwmn?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('on a listed origin', () => {
    let host: Page;
    let guest: Page;

    beforeAll(async () => {
      host = await openHost(await browser.newContext(), `${site.url}/domain-settings.html`);
      const guestContext = await browser.newContext();
      await guestContext.addInitScript(captureInbound);
      guest = await guestContext.newPage();
    });

    const mirror = <T>(fn: string) => guest.evaluate(`(() => {
      const doc = document.querySelector('#cwmn-stage iframe').contentDocument;
      return (${fn})(doc);
    })()`) as Promise<T>;

    it('tells the page its settings, and refuses a disabled session kind before asking the server', async () => {
      const info = await host.evaluate(() => window.CwmnAPI!.getDomainInfo());
      expect(info).toEqual({
        domain: '127.0.0.1',
        authorized: true,
        features: { realtime: true, replay: false },
        settings: { sessionMaxSeconds: 14400, maskSelectors: ['.secret-note'], blockSelectors: ['.blocked-by-domain'], maxGuests: 3, siteOrigins: [] },
      });
      expect(await codeOf(host, `() => CwmnAPI.session.start({ hostName: 'Ann', isReplay: true })`)).toBe('ERR_NOT_SUPPORTED');
      expect(await names(host)).toEqual(['init', 'ready no session']); // No `session pending`: nothing was tried.
      expect(await host.evaluate(() => window.CwmnAPI!.getCurrentState())).toBe('no session');
    });

    it('masks and blocks what the domain\'s selectors name, typed and added later too, while the page stays live', async () => {
      await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'Ann' }));
      await guest.goto(await host.evaluate(() => window.CwmnAPI!.guest.getInviteLink()));
      await waitForViewerState(guest, 'live');

      await host.fill('#note-input', 'CANARY-DOMAIN-TYPED');
      await host.evaluate(() => {
        document.getElementById('later')!.innerHTML = '<p class="secret-note" id="later-note">CANARY-DOMAIN-LATER-NOTE</p>'
          + '<div class="blocked-by-domain" id="later-blocked" style="width: 50px; height: 20px">CANARY-DOMAIN-LATER-BLOCKED</div>';
        document.getElementById('public')!.textContent = 'Public text changed';
      });
      await guest.waitForFunction(() => document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!
        .contentDocument!.getElementById('public')?.textContent === 'Public text changed');

      const seen = await mirror<Record<string, unknown>>(`(doc) => {
        const box = (el) => el && { text: el.textContent, width: el.getBoundingClientRect().width, height: el.getBoundingClientRect().height };
        return {
          note: doc.getElementById('note')?.textContent,
          laterNote: doc.getElementById('later-note')?.textContent,
          input: doc.getElementById('note-input')?.value,
          blocked: box(doc.querySelector('.blocked-by-domain')),
          laterBlocked: box(doc.getElementById('later')?.querySelector('.blocked-by-domain')),
        };
      }`);
      expect(seen.note).toMatch(/^\*+$/);
      expect(seen.laterNote).toMatch(/^\*+$/);
      expect(seen.input).toBe('********');
      // A blocked element arrives as a same-size placeholder, without its content.
      expect(seen.blocked).toEqual({ text: '', width: 240, height: 90 });
      expect(seen.laterBlocked).toEqual({ text: '', width: 50, height: 20 });
    });

    it('no canary is in anything the guest\'s viewer received and decoded', async () => {
      const received = await guest.evaluate(() => (window as unknown as { __received: { label: string; data: number[] | string }[] }).__received);
      const assembler = new FrameAssembler();
      const decoded: unknown[] = [];
      for (const m of received.filter((r) => r.label === 'dom')) {
        const payload = assembler.push(Uint8Array.from(m.data as number[]));
        if (payload) decoded.push(await decodePayload(payload));
      }
      expect(decoded.length).toBeGreaterThan(3);
      const all = [...decoded.map((m) => JSON.stringify(m)), ...received.filter((r) => r.label !== 'dom').map((r) => JSON.stringify(r.data))].join('\n');
      expect(all).toContain('Public text changed'); // The capture does see page data…
      expect(all).toContain('Your account');
      for (const canary of CANARIES) expect(all.includes(canary), canary).toBe(false); // …and no canary.
    });
  });

  describe('on an origin the file does not list', () => {
    let other: { url: string; close(): Promise<void> };
    afterAll(async () => {
      await other?.close();
    });

    it('goes init → unauthorized → init failed, and the server refuses it too', async () => {
      other = await startSite(cwmn.server.url);
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${other.url}/domain-settings.html`);
      await page.waitForFunction(() => window.CwmnAPI?.getCurrentState() === 'unauthorized');
      expect(await names(page)).toEqual(['init', 'unauthorized', 'init failed']);
      expect(await page.evaluate(() => window.CwmnAPI!.getDomainInfo()?.authorized)).toBe(false);
      expect(await codeOf(page, `() => CwmnAPI.session.start({ hostName: 'A' })`)).toBe('ERR_INVALID_STATE');
      const direct = await fetch(`${cwmn.server.url}/api/sessions`, {
        method: 'POST', headers: { 'content-type': 'application/json', origin: other.url }, body: JSON.stringify({ hostName: 'A', isReplay: false }),
      });
      expect(direct.status).toBe(403);
      expect((await direct.json()).error.code).toBe('ERR_UNAUTHORIZED');
    });
  });
});
