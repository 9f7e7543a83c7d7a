// Invites with bad parameters are answered (the socket stays open) and send
// nothing; invites per session are rate limited.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INVITES_PER_WINDOW } from '../../signaling/invites.js';
import { startTestServer, stopServers } from './support/server.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { connectHost, requestOk, sendRequest, type HostSocket } from './support/socket.js';
import { outboxFiles, storedLinks } from './support/state.js';
import { startWebhook, type TestWebhook } from './support/webhook.js';

afterEach(stopServers);

const BAD_INVITES: [string, unknown][] = [
  ['a malformed email', { guestName: 'Bea', guestEmail: 'bea@@example' }],
  ['an email with spaces', { guestEmail: 'bea example@example.com' }],
  ['a malformed phone', { guestPhone: '555-01' }],
  ['a phone with letters', { guestPhone: '314-CALL-NOW' }],
  ['neither email nor phone', { guestName: 'Bea', message: 'hi' }],
  ['a message over 1000 characters', { guestEmail: 'bea@example.com', message: 'x'.repeat(1001) }],
  ['a name over 100 characters', { guestEmail: 'bea@example.com', guestName: 'B'.repeat(101) }],
  ['an invite that is not an object', 'bea@example.com'],
];

/** Sends a raw invite-guest and expects an ERR_INVALID_PARAMS reply with the socket still open. */
async function expectInvalid(host: HostSocket, invite: unknown): Promise<void> {
  const reply = await sendRequest(host, { type: 'invite-guest', invite });
  expect(reply.ok).toBe(false);
  if (reply.ok) return;
  expect(reply.error.code).toBe('ERR_INVALID_PARAMS');
  expect(reply.error.message.length).toBeGreaterThan(10);
}

describe('invites with bad parameters', () => {
  let smtp: TestSmtpServer;
  let hook: TestWebhook;
  beforeEach(async () => {
    smtp = await startSmtpServer();
    hook = await startWebhook();
    return async () => {
      await smtp.close();
      await hook.close();
    };
  });

  it('answers each with ERR_INVALID_PARAMS, keeps the socket, and sends nothing (SMTP and webhook)', async () => {
    const server = await startTestServer({ smtpUrl: smtp.url, smsWebhookUrl: hook.url });
    const host = await connectHost(server);
    for (const [, invite] of BAD_INVITES) await expectInvalid(host.socket, invite);
    expect(smtp.recipients).toEqual([]);
    expect(smtp.received).toEqual([]);
    expect(hook.calls).toEqual([]);
    expect((await storedLinks(server, host.sessionId))).toEqual([]);
    // Still connected and serving requests.
    await requestOk(host.socket, { type: 'invite-guest', invite: { guestEmail: 'bea@example.com' } });
    expect(smtp.received).toHaveLength(1);
  });

  it('answers each with ERR_INVALID_PARAMS and writes nothing to the outbox', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    for (const [, invite] of BAD_INVITES) await expectInvalid(host.socket, invite);
    expect(outboxFiles(server)).toEqual([]);
    expect((await storedLinks(server, host.sessionId))).toEqual([]);
    expect(host.socket.pending).toEqual([]);
  });

  it('still closes the socket on an invite-guest without a request id (a protocol error)', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    host.socket.send({ type: 'invite-guest', invite: { guestEmail: 'bea@example.com' } });
    expect((await host.socket.expect('error')).error.code).toBe('ERR_PROTOCOL');
    expect((await host.socket.waitClosed()).code).toBe(1008);
  });
});

describe('invite rate limit', () => {
  async function invite(host: HostSocket, n: number) {
    return sendRequest(host, { type: 'invite-guest', invite: { guestEmail: `guest${n}@example.com` } });
  }

  it(`allows ${INVITES_PER_WINDOW} invites per session, then answers ERR_RATE_LIMITED; other sessions are not affected`, async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    for (let i = 0; i < INVITES_PER_WINDOW; i++) expect((await invite(host.socket, i)).ok).toBe(true);
    const refused = await invite(host.socket, 99);
    expect(refused).toMatchObject({ ok: false, error: { code: 'ERR_RATE_LIMITED' } });
    expect(outboxFiles(server)).toHaveLength(INVITES_PER_WINDOW);
    expect((await storedLinks(server, host.sessionId))).toHaveLength(INVITES_PER_WINDOW); // No link for the refused one.

    const other = await connectHost(server, 'Cy');
    expect((await invite(other.socket, 0)).ok).toBe(true);
  });
});
