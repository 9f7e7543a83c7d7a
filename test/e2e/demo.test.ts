// The demo a new user meets first, driven as a user drives it: the host panel on the
// demo shop starts a session and makes an invite link, a guest opens it, the panel
// lists and mutes the guest, the host browses to another page, the panel ends it all.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, mirrorText, startCwmn, waitForViewerState, type Cwmn } from './harness.js';

describe('the demo and its host panel', () => {
  let cwmn: Cwmn;
  let browser: Browser;
  let host: Page;
  let guest: Page;
  const errors: string[] = [];

  const state = () => host.evaluate(() => window.CwmnAPI!.getCurrentState());

  beforeAll(async () => {
    cwmn = await startCwmn();
    browser = await launchBrowser();
    host = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
    host.on('pageerror', (err) => errors.push(err.message));
    host.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    guest = await (await browser.newContext({ viewport: { width: 1000, height: 700 } })).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await cwmn?.close();
  });

  it('starts a session from the panel and makes an invite link', async () => {
    await host.goto(`${cwmn.server.url}/demo/`);
    await host.getByRole('textbox', { name: 'Host name' }).fill('Dana Demo');
    await host.getByRole('button', { name: 'Start session' }).click();
    await host.waitForFunction(() => window.CwmnAPI?.getCurrentState() === 'in session');
    expect(await host.evaluate(() => window.CwmnAPI!.session.getSessionInfo().hostName)).toBe('Dana Demo');

    await host.getByRole('button', { name: 'Create invite link' }).click();
    const field = host.getByRole('textbox', { name: 'Invite link' });
    await expect.poll(() => field.inputValue()).toMatch(new RegExp(`^${cwmn.server.url}/s/`));
  });

  it('shows the shop to the guest who opens the link; the panel lists the guest and mutes their pointer', async () => {
    const link = await host.getByRole('textbox', { name: 'Invite link' }).inputValue();
    await guest.goto(`${link}${link.includes('?') ? '&' : '?'}name=Gus`);
    await waitForViewerState(guest, 'live');
    expect(await mirrorText(guest)).toContain('Gear for the long way round.');

    const row = host.locator('li.cwmn-p-guest', { hasText: 'Gus' });
    await row.waitFor();
    await row.locator('[data-action="mute"]').click();
    await expect.poll(() => row.locator('[data-action="mute"]').getAttribute('aria-pressed')).toBe('true');
    expect(await host.evaluate(() => window.CwmnAPI!.guest.getGuestList().map((g) => [g.name, g.isHidden]))).toEqual([['Gus', true]]);
    await guest.getByText('The host has hidden your pointer.').waitFor();
  });

  it('keeps the session while the host browses the shop; the guest follows', async () => {
    await host.locator('nav a[href="form.html"]').first().click();
    await host.waitForURL(/form\.html$/);
    await host.waitForFunction(() => window.CwmnAPI?.getCurrentState() === 'in session');
    await expect.poll(() => mirrorText(guest), { timeout: 10_000 }).toContain('Join the Trailhead Club');
    // The panel on the new page still lists the guest, still muted.
    const row = host.locator('li.cwmn-p-guest', { hasText: 'Gus' });
    await expect.poll(() => row.locator('[data-action="mute"]').getAttribute('aria-pressed')).toBe('true');
  });

  it('ends the session from the panel; the guest is told', async () => {
    await host.getByRole('button', { name: 'End session' }).click();
    await host.waitForFunction(() => window.CwmnAPI?.getCurrentState() === 'no session');
    await waitForViewerState(guest, 'ended');
    expect(await state()).toBe('no session');
    expect(errors).toEqual([]);
  });
});
