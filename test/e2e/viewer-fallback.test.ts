// The viewer page helps even when its script never arrives: after a while its
// stylesheet alone shows what to do, and a working viewer never shows that note.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, startCwmn, waitForViewerState, type Cwmn } from './harness.js';

describe('the viewer without its script', () => {
  let cwmn: Cwmn;
  let browser: Browser;

  beforeAll(async () => {
    cwmn = await startCwmn();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await cwmn?.close();
  });

  const slowNote = (page: Page) => page.evaluate(() => {
    const note = document.querySelector('.cwmn-slow')!;
    const style = getComputedStyle(note);
    return { shown: style.display !== 'none' && style.opacity === '1', text: note.textContent };
  });

  it('tells the guest to check their connection and reload when the script does not load', async () => {
    const page = await browser.newPage();
    await page.route('**/viewer/viewer.js', (route) => route.abort());
    await page.goto(`${cwmn.server.url}/s/${'A'.repeat(43)}`);
    expect((await slowNote(page)).shown).toBe(false); // Not at once: a slow start is normal.
    // Fast-forward the stylesheet's delayed animation instead of waiting for it.
    await page.evaluate(() => document.getAnimations().forEach((a) => { a.currentTime = 60_000; }));
    expect(await slowNote(page)).toEqual({ shown: true, text: expect.stringContaining('check your connection and reload') });
    await page.close();
  });

  it('never shows that note once the viewer runs', async () => {
    const page = await browser.newPage();
    await page.goto(`${cwmn.server.url}/s/${'A'.repeat(43)}`);
    await waitForViewerState(page, 'link-invalid');
    await page.evaluate(() => document.getAnimations().forEach((a) => { a.currentTime = 60_000; }));
    expect((await slowNote(page)).shown).toBe(false);
    await page.close();
  });
});
