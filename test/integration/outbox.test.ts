// The development outbox: with no SMTP server or SMS webhook configured,
// invites are stored under CWMN_DATA_DIR/outbox before the reply, and listed
// at /outbox (HTML, everything escaped, links clickable) and /outbox.json.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { InviteResult } from '../../src/protocol/index.js';
import { request } from './support/http.js';
import { startTestServer, stopServers } from './support/server.js';
import { connectHost, joinAsGuest, requestOk } from './support/socket.js';
import { outboxFiles } from './support/state.js';

afterEach(stopServers);

const HOSTILE_NAME = '<script>alert("name")</script>';
const HOSTILE_MESSAGE = '<img src=x onerror=alert(1)> & </pre><script>alert(2)</script>';

function escaped(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

describe('development outbox', () => {
  it('stores an email invite before replying, lists it escaped with a clickable link, and the link works once', async () => {
    const server = await startTestServer();
    const host = await connectHost(server, 'Ada');
    expect(outboxFiles(server)).toEqual([]);

    const result = await requestOk<InviteResult>(host.socket, {
      type: 'invite-guest', invite: { guestName: HOSTILE_NAME, guestEmail: 'bea@example.com', message: HOSTILE_MESSAGE },
    });
    expect(result).toMatchObject({ channel: 'email', to: 'bea@example.com' });
    // On disk when the reply arrived: one whole JSON file, no temporary file left.
    const files = outboxFiles(server);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{15}-[0-9a-f]{16}\.json$/);
    const stored = JSON.parse(fs.readFileSync(path.join(server.config.dataDir, 'outbox', files[0]!), 'utf8'));
    expect(stored).toMatchObject({ channel: 'email', to: 'bea@example.com', subject: 'Ada invited you to a co-browsing session' });
    expect(stored.links).toHaveLength(1);
    const link: string = stored.links[0];
    expect(link).toBe(`${server.url}/s/${link.split('/s/')[1]!.split('?')[0]}?name=${encodeURIComponent(HOSTILE_NAME)}`);
    expect(stored.text).toContain(HOSTILE_MESSAGE);
    expect(stored.html).toContain(escaped(HOSTILE_MESSAGE));
    expect(Math.abs(stored.createdAt - Date.now())).toBeLessThan(5000);

    const page = await fetch(`${server.httpUrl}/outbox`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).toContain('bea@example.com');
    expect(html).toContain('Ada invited you to a co-browsing session');
    expect(html).toContain(`<a href="${escaped(link)}">${escaped(link)}</a>`);
    expect(html).toContain(escaped(HOSTILE_MESSAGE));
    expect(html).toContain(escaped(HOSTILE_NAME));
    expect(html).not.toMatch(/<script|<img/i);

    const json = await request(server, '/outbox.json');
    expect(json.status).toBe(200);
    expect(json.body.messages).toEqual([stored]);

    const guest = await joinAsGuest(server, link, new URL(link).searchParams.get('name') ?? '');
    await guest.expect('joined');
    expect((await host.socket.expect('guest-joined')).guest.name).toBe(HOSTILE_NAME);
    const again = await joinAsGuest(server, link);
    expect((await again.expect('error')).error.code).toBe('ERR_LINK_USED');
  });

  it('stores SMS invites too, and lists the newest message first', async () => {
    const server = await startTestServer();
    const host = await connectHost(server, 'Ada');
    await requestOk(host.socket, { type: 'invite-guest', invite: { guestEmail: 'bea@example.com' } });
    await requestOk(host.socket, { type: 'invite-guest', invite: { guestPhone: '314-555-0000', message: 'not for SMS' } });
    const { messages } = (await request(server, '/outbox.json')).body;
    expect(messages.map((m: { channel: string }) => m.channel)).toEqual(['sms', 'email']);
    expect(messages[0]).toMatchObject({ to: '+13145550000', subject: null, html: null });
    expect(messages[0].text).toBe(`Ada invited you to a co-browsing session: ${messages[0].links[0]}`);
    const html = await (await fetch(`${server.httpUrl}/outbox`)).text();
    expect(html.indexOf('+13145550000')).toBeLessThan(html.indexOf('bea@example.com'));
    expect(html).toContain('2 messages');
  });

  it('serves the outbox while one channel uses it, and not when both are configured', async () => {
    const mailOnly = await startTestServer({ smtpUrl: 'smtp://127.0.0.1:1' });
    expect((await request(mailOnly, '/outbox.json')).status).toBe(200);
    const both = await startTestServer({ smtpUrl: 'smtp://127.0.0.1:1', smsWebhookUrl: 'http://127.0.0.1:1/sms' });
    expect((await request(both, '/outbox')).status).toBe(404);
    expect((await request(both, '/outbox.json')).status).toBe(404);
    expect(both.logs.some((l) => l.startsWith('outbox:'))).toBe(false);
    expect(mailOnly.logs).toContain(`outbox: ${mailOnly.url}/outbox lists working invite links; for development only, never expose it in production`);
  });

  it('lists messages stored before a restart', async () => {
    const first = await startTestServer();
    const host = await connectHost(first);
    await requestOk(host.socket, { type: 'invite-guest', invite: { guestEmail: 'bea@example.com' } });
    await first.close();
    const second = await startTestServer({ dataDir: first.config.dataDir });
    expect((await request(second, '/outbox.json')).body.messages).toHaveLength(1);
  });
});
