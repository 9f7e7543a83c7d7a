// Snapshots per guest: a late joiner gets its own snapshot while earlier guests
// keep a valid stream (shadow DOM, adopted stylesheets), and a 100k-node page
// arrives whole.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openHost, startCwmn, startSite, waitForViewerState, type Cwmn } from './harness.js';

async function join(browser: Browser, host: Page, name: string): Promise<Page> {
  const link = await host.evaluate(() => window.CwmnAPI!.guest.getInviteLink());
  const guest = await (await browser.newContext()).newPage();
  await guest.goto(`${link}?name=${name}`);
  await waitForViewerState(guest, 'live', 30_000);
  return guest;
}

/** Evaluates `body` with the mirror's document as `doc`. */
function inMirror<T>(guest: Page, body: string): Promise<T> {
  return guest.evaluate(`(() => { const doc = document.querySelector('#cwmn-stage iframe').contentDocument; ${body} })()`);
}

describe('snapshots', () => {
  let cwmn: Cwmn;
  let site: { url: string; close(): Promise<void> };
  let browser: Browser;

  beforeAll(async () => {
    cwmn = await startCwmn();
    site = await startSite(cwmn.server.url);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await cwmn?.close();
  });

  it('keeps an earlier guest in sync when a later guest joins (shadow DOM, adopted stylesheets)', async () => {
    const host = await openHost(await browser.newContext(), `${site.url}/components.html`);
    await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'H' }));
    const first = await join(browser, host, 'First');
    // A sheet adopted now is numbered after the others for the first guest, but first in a new snapshot.
    await host.evaluate(() => {
      const extra = new CSSStyleSheet();
      extra.replaceSync('#list { color: rgb(1, 2, 3); }');
      document.adoptedStyleSheets = [extra, (window as unknown as { pageSheet: CSSStyleSheet }).pageSheet];
    });
    const second = await join(browser, host, 'Second');

    await host.evaluate(() => {
      const w = window as unknown as { pageSheet: CSSStyleSheet; cardSheet: CSSStyleSheet };
      document.querySelector('#card')!.shadowRoot!.querySelector('.inner')!.textContent = 'card changed';
      w.cardSheet.insertRule('.inner { background-color: rgb(255, 255, 0); }', 1);
      w.pageSheet.insertRule('#headline { text-decoration: underline; }', 1);
      const li = document.createElement('li');
      li.textContent = 'after both joined';
      document.getElementById('list')!.appendChild(li);
    });

    for (const guest of [first, second]) {
      await guest.waitForFunction(() => {
        const doc = document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!.contentDocument!;
        return doc.getElementById('list')?.textContent?.includes('after both joined');
      });
      const seen = await inMirror<{ text: string; bg: string; color: string; headline: string; deco: string }>(guest, `
        const inner = doc.querySelector('#card').shadowRoot.querySelector('.inner');
        const win = doc.defaultView;
        const h = doc.getElementById('headline');
        return { text: inner.textContent, bg: win.getComputedStyle(inner).backgroundColor, color: win.getComputedStyle(inner).color,
          headline: win.getComputedStyle(h).color, deco: win.getComputedStyle(h).textDecorationLine };`);
      expect(seen).toEqual({ text: 'card changed', bg: 'rgb(255, 255, 0)', color: 'rgb(0, 0, 255)', headline: 'rgb(0, 128, 0)', deco: 'underline' });
    }
    await host.evaluate(() => window.CwmnAPI!.session.endSession());
  });

  it('delivers a 100k-node page whole', async () => {
    const host = await openHost(await browser.newContext(), `${site.url}/large.html`);
    const hostNodes = await host.evaluate(() => document.createTreeWalker(document.body).currentNode && document.querySelectorAll('#rows *').length);
    expect(hostNodes).toBe(11112 * 5);
    await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'H' }));
    const guest = await join(browser, host, 'Big');
    const mirrored = await inMirror<{ elements: number; last: string }>(guest, `
      return { elements: doc.querySelectorAll('#rows *').length, last: doc.querySelector('#rows').lastElementChild.textContent };`);
    expect(mirrored).toEqual({ elements: 11112 * 5, last: await host.evaluate(() => document.querySelector('#rows')!.lastElementChild!.textContent) });
    await host.evaluate(() => window.CwmnAPI!.session.endSession());
  });
});
