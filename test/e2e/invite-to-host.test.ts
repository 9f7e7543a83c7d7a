// Invite to host, end to end: an agent invites a customer to host, by email
// (the mailed link lands on the page and hosting starts) or with a join code
// typed at /join; the agent watches through the guest link.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startSmtpServer, type TestSmtpServer } from '../integration/support/smtp.js';
import { launchBrowser, openHost, startCwmn, startSite, waitForViewerState, type Cwmn } from './harness.js';

type Recorded = { name: string; args: unknown[] };
const names = (page: Page) => page.evaluate(() => (window as unknown as { __events: Recorded[] }).__events.map((e) => e.name));

describe('invite to host', () => {
  let smtp: TestSmtpServer;
  let cwmn: Cwmn;
  let site: { url: string; close(): Promise<void> };
  let browser: Browser;
  let agent: Page;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    cwmn = await startCwmn({ CWMN_SMTP_URL: smtp.url });
    site = await startSite(cwmn.server.url);
    browser = await launchBrowser();
    agent = await openHost(await browser.newContext(), `${site.url}/host.html`);
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await cwmn?.close();
    await smtp?.close();
  });

  /** The invitee's page after it landed: hosting started with no click. */
  async function expectHosting(page: Page): Promise<void> {
    await page.waitForFunction(() => window.CwmnAPI?.getCurrentState() === 'in session', undefined, { timeout: 15_000 });
    expect((await names(page)).slice(0, 4)).toEqual(['init', 'ith init', 'session pending', 'in session']);
    // Each event in the state the specification gives for it.
    expect(await page.evaluate(() => (window as unknown as { __events: { state?: string }[] }).__events.slice(0, 4).map((e) => e.state)))
      .toEqual(['init', 'session pending', 'session pending', 'in session']);
    expect(page.url()).not.toContain('cwmn-ith');
  }

  /** The agent watches the invitee's page through the guest link. */
  async function expectWatching(guestLink: string, host: Page): Promise<void> {
    const watcher = await (await browser.newContext()).newPage();
    await watcher.goto(guestLink);
    await waitForViewerState(watcher, 'live');
    await host.evaluate(() => { document.getElementById('title')!.textContent = 'Hosted by the invitee'; });
    await watcher.waitForFunction(() => document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!
      .contentDocument!.getElementById('title')?.textContent === 'Hosted by the invitee');
    await watcher.close();
  }

  it('by email: the first link of the mail lands on the page and hosting starts', async () => {
    const url = `${site.url}/page-a.html`;
    const result = await agent.evaluate((u) => window.CwmnAPI!.session.inviteToHost({
      hostName: 'Agent Ada', hostEmail: 'ada@example.com', inviteName: 'Casey Customer', inviteEmail: 'casey@example.com',
      message: 'Let me walk you through it', url: u,
    }), url);
    expect(result.hostLink).toMatch(new RegExp(`^${cwmn.server.url}/h/`));
    expect(result.guestLink).toMatch(new RegExp(`^${cwmn.server.url}/s/`));
    expect(result.expiresAt).toBeGreaterThan(Date.now());
    expect(await agent.evaluate(() => window.CwmnAPI!.getCurrentState())).toBe('no session');

    const mail = smtp.received.find((m) => m.envelopeTo.includes('casey@example.com'))!.mail;
    const firstLink = /https?:\/\/\S+/.exec(mail.text ?? '')![0];
    expect(firstLink).toBe(result.hostLink);
    expect(mail.text).toContain('Let me walk you through it');

    const invitee = await (await browser.newContext()).newPage();
    await invitee.goto(firstLink);
    expect(invitee.url().startsWith(url)).toBe(true);
    await expectHosting(invitee);
    await expectWatching(result.guestLink, invitee);
  });

  it('with a join code typed at /join', async () => {
    const url = `${site.url}/page-b.html`;
    const result = await agent.evaluate((u) => window.CwmnAPI!.session.inviteToHost({ hostName: 'Agent Ada', inviteName: 'Dana', url: u, ithJoinCode: true }), url);
    expect(result.joinCode).toMatch(/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$/);
    const invitee = await (await browser.newContext()).newPage();
    await invitee.goto(`${cwmn.server.url}/join`);
    await invitee.fill('#cwmn-code', result.joinCode!.toLowerCase().replace(/(.{4})/, '$1-'));
    await Promise.all([invitee.waitForURL((u) => u.toString().startsWith(url)), invitee.press('#cwmn-code', 'Enter')]);
    await expectHosting(invitee);
    await expectWatching(result.guestLink, invitee);
  });

  it('refuses a URL outside the allowed origins and bad parameters', async () => {
    const codes = await agent.evaluate(async () => {
      const api = window.CwmnAPI!;
      const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code: string }) => e.code);
      return {
        relative: await code(api.session.inviteToHost({ hostEmail: 'a@example.com', inviteEmail: 'b@example.com', url: '/x' })),
        script: await code(api.session.inviteToHost({ hostEmail: 'a@example.com', inviteEmail: 'b@example.com', url: 'javascript:alert(1)' })),
        neither: await code(api.session.inviteToHost({ url: 'http://127.0.0.1/' })),
        badCode: await code(api.session.inviteToHost({ url: 'http://127.0.0.1/', ithJoinCode: 'O0' })),
      };
    });
    expect(codes).toEqual({ relative: 'ERR_INVALID_PARAMS', script: 'ERR_INVALID_PARAMS', neither: 'ERR_INVALID_PARAMS', badCode: 'ERR_INVALID_PARAMS' });
  });
});
