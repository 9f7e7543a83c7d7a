// SMS invites through a webhook: a JSON POST {to, body} with a short text and
// the link (never the personal message); any answer but 2xx is a failure.

import { afterEach, describe, expect, it } from 'vitest';
import type { InviteResult } from '../../src/protocol/index.js';
import { startTestServer, stopServers } from './support/server.js';
import { connectHost, joinAsGuest, requestOk, sendRequest } from './support/socket.js';
import { storedLinks } from './support/state.js';
import { closedPort, startWebhook, type TestWebhook } from './support/webhook.js';

const hooks: TestWebhook[] = [];
afterEach(async () => {
  await stopServers();
  await Promise.all(hooks.splice(0).map((h) => h.close()));
});

async function webhook(status?: number): Promise<TestWebhook> {
  const hook = await startWebhook(status);
  hooks.push(hook);
  return hook;
}

describe('SMS invites', () => {
  it('posts {to, body} with the link and without the message; the number is normalized; the link admits one guest', async () => {
    const hook = await webhook();
    const server = await startTestServer({ smsWebhookUrl: hook.url });
    const host = await connectHost(server, 'Ada');
    const result = await requestOk<InviteResult>(host.socket, {
      type: 'invite-guest', invite: { guestName: 'Bea', guestPhone: '3145550000', message: 'secret personal note' },
    });
    expect(result).toMatchObject({ channel: 'sms', to: '+13145550000' });

    expect(hook.calls).toHaveLength(1);
    const call = hook.calls[0]!;
    expect(call.method).toBe('POST');
    expect(call.path).toBe('/sms');
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.headers.authorization).toBeUndefined();
    const json = call.json as { to: string; body: string };
    expect(Object.keys(json).sort()).toEqual(['body', 'to']);
    expect(json.to).toBe('+13145550000');
    expect(json.body).toMatch(new RegExp(`^Ada invited you to a co-browsing session: ${server.url}/s/[A-Za-z0-9_-]{32}\\?name=Bea$`));
    expect(json.body).not.toContain('secret');

    const link = json.body.slice(json.body.indexOf('http'));
    const guest = await joinAsGuest(server, link, 'Bea');
    expect((await guest.expect('joined')).sessionId).toBe(host.sessionId);
    const again = await joinAsGuest(server, link);
    expect((await again.expect('error')).error.code).toBe('ERR_LINK_USED');
  });

  it('sends credentials in the webhook URL as HTTP Basic authentication', async () => {
    const hook = await webhook();
    const server = await startTestServer({ smsWebhookUrl: hook.url.replace('http://', 'http://acct:s%3Acret@') });
    const host = await connectHost(server);
    await requestOk(host.socket, { type: 'invite-guest', invite: { guestPhone: '+44 20 7946 0000' } });
    expect(hook.calls[0]!.headers.authorization).toBe(`Basic ${Buffer.from('acct:s:cret').toString('base64')}`);
    expect((hook.calls[0]!.json as { to: string }).to).toBe('+442079460000');
  });

  it('fails with ERR_DELIVERY_FAILED when the webhook answers 500, and revokes the link', async () => {
    const hook = await webhook(500);
    const server = await startTestServer({ smsWebhookUrl: hook.url });
    const host = await connectHost(server);
    const reply = await sendRequest(host.socket, { type: 'invite-guest', invite: { guestPhone: '3145550000' } });
    expect(reply).toMatchObject({
      ok: false, error: { code: 'ERR_DELIVERY_FAILED', message: 'The SMS gateway refused the message (HTTP 500)' },
    });
    expect(hook.calls).toHaveLength(1);
    const [link] = (await storedLinks(server, host.sessionId));
    expect(link?.revokedAt).not.toBeNull();

    // The link that was (maybe) sent cannot be used.
    const body = (hook.calls[0]!.json as { body: string }).body;
    const guest = await joinAsGuest(server, body.slice(body.indexOf('http')));
    expect((await guest.expect('error')).error.code).toBe('ERR_LINK_REVOKED');
  });

  it('fails with ERR_DELIVERY_FAILED when the webhook cannot be reached', async () => {
    const server = await startTestServer({ smsWebhookUrl: `http://127.0.0.1:${await closedPort()}/sms` });
    const host = await connectHost(server);
    const reply = await sendRequest(host.socket, { type: 'invite-guest', invite: { guestPhone: '3145550000' } });
    expect(reply).toMatchObject({ ok: false, error: { code: 'ERR_DELIVERY_FAILED', message: 'The SMS gateway could not be reached' } });
  });
});
