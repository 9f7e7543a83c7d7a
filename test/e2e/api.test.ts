// The CwmnAPI facade in a real page: misuse, authorization and failures.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, launchBrowser, openHost, startCwmn, startSite, type Cwmn } from './harness.js';

type Recorded = { name: string; args: unknown[]; state?: string };
const names = (page: Page) => page.evaluate(() => (window as unknown as { __events: Recorded[] }).__events.map((e) => e.name));

/** Runs `fn` in the page and returns the error code it threw or rejected with (or 'ok'). */
function codeOf(page: Page, fn: string): Promise<string> {
  return page.evaluate(`(async () => {
    try { await (${fn})(); return 'ok'; } catch (e) { return e && e.name === 'CwmnError' ? e.code : 'not a CwmnError: ' + e; }
  })()`);
}

describe('CwmnAPI facade', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe('on an authorized origin', () => {
    let cwmn: Cwmn;
    let site: { url: string; close(): Promise<void> };
    let host: Page;
    beforeAll(async () => {
      cwmn = await startCwmn();
      site = await startSite(cwmn.server.url);
      host = await openHost(await browser.newContext(), `${site.url}/host.html`);
    });
    afterAll(async () => {
      await site?.close();
      await cwmn?.close();
    });

    it('rejects unknown events and non-function callbacks with ERR_INVALID_PARAMS', async () => {
      expect(await codeOf(host, `() => CwmnAPI.on('no such event', () => {})`)).toBe('ERR_INVALID_PARAMS');
      expect(await codeOf(host, `() => CwmnAPI.on('init', 'not a function')`)).toBe('ERR_INVALID_PARAMS');
    });

    it('once() fires at most once and returns a function that deregisters', async () => {
      const counts = await host.evaluate(async () => {
        let a = 0;
        let b = 0;
        window.CwmnAPI!.once('session pending', () => a++);
        const cancel = window.CwmnAPI!.once('session pending', () => b++);
        cancel();
        await window.CwmnAPI!.session.start({ hostName: 'Once' });
        await window.CwmnAPI!.session.endSession();
        await window.CwmnAPI!.session.start({ hostName: 'Twice' });
        await window.CwmnAPI!.session.endSession();
        return { a, b };
      });
      expect(counts).toEqual({ a: 1, b: 0 });
    });

    it('refuses calls in the wrong state with ERR_INVALID_STATE (throwing or rejecting)', async () => {
      expect(await host.evaluate(() => window.CwmnAPI!.getCurrentState())).toBe('no session');
      expect(await codeOf(host, '() => CwmnAPI.session.getSessionInfo()')).toBe('ERR_INVALID_STATE');
      expect(await codeOf(host, '() => CwmnAPI.guest.getGuestList()')).toBe('ERR_INVALID_STATE');
      expect(await codeOf(host, '() => CwmnAPI.session.endSession()')).toBe('ERR_INVALID_STATE');
      expect(await codeOf(host, '() => CwmnAPI.guest.getInviteLink()')).toBe('ERR_INVALID_STATE');
      expect(await codeOf(host, '() => CwmnAPI.replay.getVideoURL()')).toBe('ERR_INVALID_STATE');
      // A value function throws synchronously, a promise function rejects.
      const kinds = await host.evaluate(() => {
        let threw = false;
        try { window.CwmnAPI!.session.getSessionInfo(); } catch { threw = true; }
        const p = window.CwmnAPI!.session.endSession();
        p.catch(() => {});
        return { threw, isPromise: p instanceof Promise };
      });
      expect(kinds).toEqual({ threw: true, isPromise: true });
    });

    it('rejects bad parameters with ERR_INVALID_PARAMS and stays in no session', async () => {
      expect(await codeOf(host, '() => CwmnAPI.session.start({ hostName: 42 })')).toBe('ERR_INVALID_PARAMS');
      expect(await codeOf(host, `() => CwmnAPI.session.start({ hostName: 'x'.repeat(101) })`)).toBe('ERR_INVALID_PARAMS');
      expect(await codeOf(host, `() => CwmnAPI.session.start({ hostName: 'A', hostEmail: 'not an email' })`)).toBe('ERR_INVALID_PARAMS');
      expect(await codeOf(host, `() => CwmnAPI.session.start({ hostName: 'A', isReplay: 'yes' })`)).toBe('ERR_INVALID_PARAMS');
      expect(await host.evaluate(() => window.CwmnAPI!.getCurrentState())).toBe('no session');
    });

    it('refuses a second start while in session', async () => {
      await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'A' }));
      expect(await codeOf(host, `() => CwmnAPI.session.start({ hostName: 'B' })`)).toBe('ERR_INVALID_STATE');
      expect(await host.evaluate(() => window.CwmnAPI!.session.getSessionInfo().hostName)).toBe('A');
      await host.evaluate(() => window.CwmnAPI!.session.endSession());
    });

    it('refuses calls made for the other session type: realtime-only in a replay, replay-only in a realtime session', async () => {
      await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'A', isReplay: true }));
      for (const call of ['() => CwmnAPI.guest.getInviteLink()', '() => CwmnAPI.guest.getGuestList()', '() => CwmnAPI.publicLink.setEnabled(true)',
        '() => CwmnAPI.privacy.setEnabled(true)', `() => CwmnAPI.guest.inviteGuest({ guestEmail: 'a@example.com' })`, '() => CwmnAPI.guest.muteAllGuests(true)']) {
        expect(await codeOf(host, call), call).toBe('ERR_INVALID_STATE');
      }
      await host.evaluate(() => window.CwmnAPI!.session.endSession());
      await host.waitForFunction(() => ['waiting for replay', 'replay complete', 'replay error'].includes(window.CwmnAPI!.getCurrentState()));
      await host.evaluate(() => window.CwmnAPI!.replay.abandonVideo());
      await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'A' }));
      expect(await codeOf(host, '() => CwmnAPI.replay.muteAudio(true)')).toBe('ERR_INVALID_STATE');
      await host.evaluate(() => window.CwmnAPI!.session.endSession());
    });

    it('reports the domain information', async () => {
      const info = await host.evaluate(() => window.CwmnAPI!.getDomainInfo());
      expect(info).toMatchObject({ domain: '127.0.0.1', authorized: true });
      // Already known inside an `init` handler, where the specification's usage example asks for it.
      expect(await host.evaluate(() => (window as unknown as { __domainAtInit: unknown }).__domainAtInit)).toEqual(info);
    });

    it('fires session failed and rejects with ERR_NETWORK when the server is down', async () => {
      await cwmn.server.close();
      expect(await codeOf(host, `() => CwmnAPI.session.start({ hostName: 'A' })`)).toBe('ERR_NETWORK');
      expect((await names(host)).slice(-3)).toEqual(['session pending', 'session failed', 'ready no session']);
      // Each event in the state the specification gives for it.
      expect((await host.evaluate(() => (window as unknown as { __events: Recorded[] }).__events.slice(-3).map((e) => e.state))))
        .toEqual(['session pending', 'session pending', 'no session']);
      expect(await host.evaluate(() => window.CwmnAPI!.getCurrentState())).toBe('no session');
    });
  });

  describe('on an origin the server does not allow', () => {
    let cwmn: Cwmn;
    let site: { url: string; close(): Promise<void> };
    let host: Page;
    beforeAll(async () => {
      cwmn = await startCwmn({ CWMN_ALLOWED_ORIGINS: 'https://shop.example.com' });
      site = await startSite(cwmn.server.url);
      host = await (await browser.newContext()).newPage();
      await host.goto(`${site.url}/host.html`);
      await host.waitForFunction(() => window.CwmnAPI?.getCurrentState() === 'unauthorized');
    });
    afterAll(async () => {
      await site?.close();
      await cwmn?.close();
    });

    it('goes init → unauthorized → init failed, and refuses to start', async () => {
      expect(await names(host)).toEqual(['init', 'unauthorized', 'init failed']);
      expect(await host.evaluate(() => window.CwmnAPI!.getDomainInfo()?.authorized)).toBe(false);
      expect(await codeOf(host, `() => CwmnAPI.session.start({ hostName: 'A' })`)).toBe('ERR_INVALID_STATE');
    });

    it('is refused by the server itself, not only by the embed', async () => {
      const status = await host.evaluate(async (server) => {
        const res = await fetch(`${server}/api/sessions`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hostName: 'A', hostEmail: '', isReplay: false }),
        }).catch(() => null);
        return res ? res.status : 'blocked';
      }, cwmn.server.url);
      // The server answers 403 without CORS approval, so the browser blocks the response.
      expect(status).toBe('blocked');
      const direct = await fetch(`${cwmn.server.url}/api/sessions`, {
        method: 'POST', headers: { 'content-type': 'application/json', origin: site.url }, body: JSON.stringify({ hostName: 'A', hostEmail: '', isReplay: false }),
      });
      expect(direct.status).toBe(403);
      expect((await direct.json()).error.code).toBe('ERR_UNAUTHORIZED');
    });
  });

  describe('in a browser without what the engine needs', () => {
    let cwmn: Cwmn;
    let site: { url: string; close(): Promise<void> };
    beforeAll(async () => {
      cwmn = await startCwmn();
      site = await startSite(cwmn.server.url);
    });
    afterAll(async () => {
      await site?.close();
      await cwmn?.close();
    });

    it('goes init → incompatible → init failed, state incompatible browser', async () => {
      const context = await browser.newContext();
      // A browser without WebRTC data channels.
      await context.addInitScript(() => {
        delete (window as unknown as { RTCPeerConnection?: unknown }).RTCPeerConnection;
      });
      const page = await context.newPage();
      await page.goto(`${site.url}/host.html`);
      await page.waitForFunction(() => window.CwmnAPI?.getCurrentState() === 'incompatible browser');
      expect(await names(page)).toEqual(['init', 'incompatible', 'init failed']);
      expect(await page.evaluate(() => window.CwmnAPI!.isCompatible())).toBe(false);
      expect(await codeOf(page, `() => CwmnAPI.session.start({ hostName: 'A' })`)).toBe('ERR_INVALID_STATE');
    });

    it('counts a page that is not a secure context (plain http on a real host name) as incompatible; its viewer says why', async () => {
      // Chromium treats http://127.0.0.1 as secure; a name mapped to it is not.
      const insecure = await chromium.launch({
        executablePath: process.env.CWMN_CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP shop.test 127.0.0.1'],
      });
      try {
        const page = await insecure.newPage();
        await page.goto(`${site.url.replace('127.0.0.1', 'shop.test')}/host.html`);
        await page.waitForFunction(() => window.CwmnAPI?.getCurrentState() === 'incompatible browser');
        expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
        expect(await names(page)).toEqual(['init', 'incompatible', 'init failed']);

        const viewer = await insecure.newPage();
        await viewer.goto(`${cwmn.server.url.replace('127.0.0.1', 'shop.test')}/s/${'A'.repeat(43)}#k=${'B'.repeat(43)}`);
        await viewer.waitForFunction(() => document.body.dataset.state === 'insecure');
        expect(await viewer.locator('#cwmn-status').textContent()).toContain('secure connection (https://)');
      } finally {
        await insecure.close();
      }
    });
  });
});
