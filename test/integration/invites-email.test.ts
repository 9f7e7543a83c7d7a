// Email invites through a real SMTP server: the message as the guest receives
// it, and its link working exactly once.

import { afterEach, describe, expect, it } from 'vitest';
import type { InviteResult } from '../../src/protocol/index.js';
import { startTestServer, stopServers } from './support/server.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import {
  connectHost, joinAsGuest, requestOk, sendRequest,
} from './support/socket.js';
import { storedLinks } from './support/state.js';
import { closedPort } from './support/webhook.js';

const smtpServers: TestSmtpServer[] = [];
afterEach(async () => {
  await stopServers();
  await Promise.all(smtpServers.splice(0).map((s) => s.close()));
});

async function smtp(options?: Parameters<typeof startSmtpServer>[0]): Promise<TestSmtpServer> {
  const server = await startSmtpServer(options);
  smtpServers.push(server);
  return server;
}

const firstUrl = (text: string) => /https?:\/\/[^\s<>"]+/.exec(text)?.[0];
const firstHref = (html: string) => /<a\s[^>]*href="([^"]*)"/i.exec(html)?.[1]?.replace(/&amp;/g, '&');

describe('email invites', () => {
  it('mails a proper invite whose link is first, and the link admits one guest', async () => {
    const mailbox = await smtp();
    const server = await startTestServer({ smtpUrl: mailbox.url, mailFrom: 'Shop Support <help@shop.example>' });
    const host = await connectHost(server, 'Ada & <Co>');
    const message = 'Have a look at <b>this</b> cart & tell me.\nSecond line.';
    const before = Date.now();
    const result = await requestOk<InviteResult>(host.socket, {
      type: 'invite-guest', invite: { guestName: 'Bea Ö', guestEmail: 'bea@example.com', message },
    });
    expect(result.channel).toBe('email');
    expect(result.to).toBe('bea@example.com');
    expect(result.expiresAt).toBeGreaterThanOrEqual(before + server.config.linkTtlSeconds * 1000);

    // Delivered before the reply: the SMTP server acknowledged it only once parsed.
    expect(mailbox.received).toHaveLength(1);
    const { envelopeFrom, envelopeTo, mail } = mailbox.received[0]!;
    expect(envelopeFrom).toBe('help@shop.example');
    expect(envelopeTo).toEqual(['bea@example.com']);
    expect(mail.from?.value[0]).toMatchObject({ name: 'Shop Support', address: 'help@shop.example' });
    expect(mail.subject).toBe('Ada & <Co> invited you to a co-browsing session');

    const text = mail.text ?? '';
    const html = typeof mail.html === 'string' ? mail.html : '';
    expect(html).not.toBe('');
    const link = firstUrl(text);
    expect(link).toMatch(new RegExp(`^${server.url}/s/[A-Za-z0-9_-]{32}\\?name=Bea%20%C3%96$`));
    expect(text).toContain(`\n${link}\n`); // On a line of its own: works as plain text.
    expect(firstHref(html)).toBe(link);
    expect(text).toContain('Ada & <Co>');
    expect(text).toContain('> Have a look at <b>this</b> cart & tell me.\n> Second line.');
    expect(html).toContain('Ada &amp; &lt;Co&gt;');
    expect(html).toContain('Have a look at &lt;b&gt;this&lt;/b&gt; cart &amp; tell me.\nSecond line.');
    expect(html).toContain('Hi Bea Ö,');
    expect(html).not.toContain('<b>this</b>');

    const name = new URL(link!).searchParams.get('name') ?? '';
    const guest = await joinAsGuest(server, link!, name);
    const joined = await guest.expect('joined');
    expect(joined.sessionId).toBe(host.sessionId);
    expect((await host.socket.expect('guest-joined')).guest).toMatchObject({ id: joined.guestId, name: 'Bea Ö' });

    const again = await joinAsGuest(server, link!);
    expect((await again.expect('error')).error.code).toBe('ERR_LINK_USED');
  });

  it('leaves the personal message out when there is none', async () => {
    const mailbox = await smtp();
    const server = await startTestServer({ smtpUrl: mailbox.url });
    const host = await connectHost(server, 'Ada');
    await requestOk(host.socket, { type: 'invite-guest', invite: { guestEmail: 'bea@example.com' } });
    const { mail } = mailbox.received[0]!;
    expect(mail.text).not.toContain('Message from');
    expect(firstUrl(mail.text ?? '')).toMatch(/\/s\/[A-Za-z0-9_-]{32}$/); // No name, no query.
    expect(mail.from?.value[0]?.address).toBe('no-reply@cwmn.invalid');
  });

  it('fails with ERR_DELIVERY_FAILED when the SMTP server refuses the recipient, and revokes the link', async () => {
    const mailbox = await smtp({ refuse: (address) => (address.endsWith('@nowhere.example') ? 'No such mailbox' : null) });
    const server = await startTestServer({ smtpUrl: mailbox.url });
    const host = await connectHost(server);
    const reply = await sendRequest(host.socket, { type: 'invite-guest', invite: { guestEmail: 'ghost@nowhere.example' } });
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('ERR_DELIVERY_FAILED');
    expect(reply.error.message).toMatch(/refused the message to ghost@nowhere\.example: 550 No such mailbox/);
    expect(mailbox.recipients).toEqual(['ghost@nowhere.example']);
    expect(mailbox.received).toEqual([]);
    const links = (await storedLinks(server, host.sessionId));
    expect(links).toHaveLength(1);
    expect(links[0]!.revokedAt).not.toBeNull();
    // The host's socket is fine: the next request works.
    expect(await requestOk(host.socket, { type: 'create-link' })).toMatchObject({ url: expect.any(String) });
  });

  it('fails with ERR_DELIVERY_FAILED when the SMTP server cannot be reached', async () => {
    const server = await startTestServer({ smtpUrl: `smtp://127.0.0.1:${await closedPort()}` });
    const host = await connectHost(server);
    const reply = await sendRequest(host.socket, { type: 'invite-guest', invite: { guestEmail: 'bea@example.com' } });
    expect(reply).toMatchObject({
      ok: false, error: { code: 'ERR_DELIVERY_FAILED', message: 'The mail server could not be reached' },
    });
    expect((await storedLinks(server, host.sessionId)).every((l) => l.revokedAt !== null)).toBe(true);
  });
});
