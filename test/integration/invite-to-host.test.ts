// Invitations to host: POST /api/ith makes a session for someone else to host,
// mails its host link (first link of the mail), which redirects to the landing
// page with a claim token in the fragment without spending it; the landing
// page's embed claims it once and hosts.

import { afterEach, describe, expect, it } from 'vitest';
import { ITH_FRAGMENT_KEY, type InviteToHostResult } from '../../src/protocol/index.js';
import { hostWithGuest, sayHello, sleep } from './support/continuity.js';
import { postJson, request, type JsonResponse } from './support/http.js';
import { startTestServer, stopServers, type TestServer } from './support/server.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { joinAsGuest } from './support/socket.js';
import { readState, storedLinks, storedSession } from './support/state.js';
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

const SITE = 'https://shop.example';
const firstUrl = (text: string) => /https?:\/\/[^\s<>"]+/.exec(text)?.[0];
const firstHref = (html: string) => /<a\s[^>]*href="([^"]*)"/i.exec(html)?.[1]?.replace(/&amp;/g, '&');
const tokenOfHostLink = (hostLink: string) => new URL(hostLink).pathname.split('/').pop() ?? '';

function invite(server: TestServer, body: Record<string, unknown>, origin: string | null = SITE): Promise<JsonResponse> {
  return postJson(server, '/api/ith', { hostName: 'Agent Ann', hostEmail: 'ann@shop.example', url: `${SITE}/cart?x=1`, ...body }, origin);
}

async function inviteOk(server: TestServer, body: Record<string, unknown>): Promise<InviteToHostResult> {
  const res = await invite(server, body);
  if (res.status !== 201) throw new Error(`POST /api/ith answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as InviteToHostResult;
}

const claim = (server: TestServer, token: string, origin: string | null = SITE) => postJson(server, '/api/ith/claim', { token }, origin);

describe('POST /api/ith with inviteEmail', () => {
  it('mails the invitee a message whose first link is the host link, in both parts', async () => {
    const mailbox = await smtp();
    const server = await startTestServer({ smtpUrl: mailbox.url });
    const before = Date.now();
    const result = await inviteOk(server, {
      inviteName: 'Bob <B>', inviteEmail: 'bob@example.com', message: 'Let us look at <i>your</i> cart & order.',
    });
    expect(result.hostLink).toMatch(new RegExp(`^${server.url}/h/[A-Za-z0-9_-]{32}$`));
    expect(result.guestLink).toMatch(new RegExp(`^${server.url}/s/[A-Za-z0-9_-]{32}\\?name=Agent%20Ann$`));
    expect(result.joinCode).toBeUndefined();
    // The invitation lasts as long as a link, but never past its session's end (4 h by default, before the 24 h of a link).
    const { sessionId } = (await readState(server)).hostInvites[0]!;
    expect(result.expiresAt).toBe((await storedSession(server, sessionId))?.expiresAt);
    expect(result.expiresAt).toBeGreaterThanOrEqual(before + server.config.sessionMaxSeconds * 1000);

    expect(mailbox.received).toHaveLength(1);
    const { envelopeTo, mail } = mailbox.received[0]!;
    expect(envelopeTo).toEqual(['bob@example.com']);
    expect(mail.subject).toBe('Agent Ann invited you to show them a page');
    const text = mail.text ?? '';
    const html = typeof mail.html === 'string' ? mail.html : '';
    expect(firstUrl(text)).toBe(result.hostLink);
    expect(text).toContain(`\n${result.hostLink}\n`);
    expect(firstHref(html)).toBe(result.hostLink);
    expect(text).toContain('Hi Bob <B>,');
    expect(text).toContain('shop.example');
    expect(text).toContain('> Let us look at <i>your</i> cart & order.');
    expect(html).toContain('Hi Bob &lt;B&gt;,');
    expect(html).toContain('Let us look at &lt;i&gt;your&lt;/i&gt; cart &amp; order.');
    expect(html).not.toContain('<i>your</i>');
  });

  it('fails with ERR_DELIVERY_FAILED when the mail is not accepted, and withdraws everything', async () => {
    const server = await startTestServer({ smtpUrl: `smtp://127.0.0.1:${await closedPort()}` });
    const res = await invite(server, { inviteEmail: 'bob@example.com' });
    expect(res.status).toBe(502);
    expect(res.body.error).toEqual({ code: 'ERR_DELIVERY_FAILED', message: 'The mail server could not be reached' });
    const [invitation] = (await readState(server)).hostInvites;
    expect(invitation?.revokedAt).toEqual(expect.any(Number));
    expect((await storedSession(server, invitation!.sessionId))?.endedAt).toEqual(expect.any(Number));
    expect((await storedLinks(server, invitation!.sessionId)).every((l) => l.revokedAt !== null)).toBe(true);
    expect((await request(server, '/healthz')).body.sessions).toBe(0);
  });
});

describe('the host link', () => {
  it('redirects to the landing page with the claim token in the fragment, and spends nothing', async () => {
    const server = await startTestServer();
    const result = await inviteOk(server, { inviteName: 'Bob', inviteEmail: 'bob@example.com' });
    const token = tokenOfHostLink(result.hostLink);
    const path = new URL(result.hostLink).pathname;
    for (let i = 0; i < 3; i++) { // Mail scanners, previews, the invitee: all the same.
      const res = await request(server, path);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`${SITE}/cart?x=1#${ITH_FRAGMENT_KEY}=${token}`);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
    expect((await request(server, path, { method: 'HEAD' })).status).toBe(302);
    expect((await readState(server)).hostInvites[0]?.claimedAt).toBeNull();
  });

  it('appends the token to a fragment the landing URL already has', async () => {
    const server = await startTestServer();
    const result = await inviteOk(server, { inviteEmail: 'bob@example.com', url: `${SITE}/help#faq` });
    const res = await request(server, new URL(result.hostLink).pathname);
    expect(res.headers.get('location')).toBe(`${SITE}/help#faq&${ITH_FRAGMENT_KEY}=${tokenOfHostLink(result.hostLink)}`);
  });

  it('shows a small page saying why for an unknown, used or expired link', async () => {
    const server = await startTestServer({ linkTtlSeconds: 0.4 });
    const unknown = await fetch(`${server.httpUrl}/h/${'A'.repeat(32)}`, { redirect: 'manual' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(unknown.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await unknown.text()).toContain('This invitation link is not valid');

    const used = await inviteOk(server, { inviteEmail: 'bob@example.com' });
    expect((await claim(server, tokenOfHostLink(used.hostLink))).status).toBe(201);
    const usedPage = await fetch(used.hostLink.replace(server.url, server.httpUrl), { redirect: 'manual' });
    expect(usedPage.status).toBe(410);
    expect(await usedPage.text()).toContain('This invitation was already used');

    const expiring = await inviteOk(server, { inviteEmail: 'bob@example.com' });
    await sleep(500);
    const expiredPage = await fetch(expiring.hostLink.replace(server.url, server.httpUrl), { redirect: 'manual' });
    expect(expiredPage.status).toBe(410);
    expect(await expiredPage.text()).toContain('This invitation has expired');
    expect((await claim(server, tokenOfHostLink(expiring.hostLink))).body.error.code).toBe('ERR_LINK_EXPIRED');
  });
});

describe('claiming', () => {
  it('answers like POST /api/sessions, once; the new host says hello and finds the inviter watching', async () => {
    const server = await startTestServer();
    const result = await inviteOk(server, { inviteName: 'Bob', inviteEmail: 'bob@example.com' });
    // The inviter opens the guest link before the invitee arrives, and waits.
    const inviter = await joinAsGuest(server, result.guestLink, 'Agent Ann');
    const joined = await inviter.expect('joined');

    const res = await claim(server, tokenOfHostLink(result.hostLink));
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(res.body.session).toMatchObject({
      sessionId: joined.sessionId, isReplay: false, hostName: 'Bob', hostEmail: 'bob@example.com', guestCount: 1,
    });
    expect(res.body.hostToken).toMatch(/^[A-Za-z0-9_-]{32}$/);

    const host = await sayHello(server, joined.sessionId, res.body.hostToken);
    const welcome = await host.expect('welcome');
    expect(welcome.guests.map((g) => g.id)).toEqual([joined.guestId]);
    expect(welcome.session.hostName).toBe('Bob');

    const again = await claim(server, tokenOfHostLink(result.hostLink));
    expect(again.status).toBe(410);
    expect(again.body.error).toEqual({ code: 'ERR_LINK_USED', message: 'This invitation was already used' });
  });

  it('refuses unknown tokens (404 ERR_LINK_INVALID), foreign origins, and tokens of a withdrawn invite', async () => {
    const server = await startTestServer({ allowedOrigins: [SITE] });
    expect((await claim(server, 'B'.repeat(32))).status).toBe(404);
    expect((await claim(server, 'not a token')).body.error.code).toBe('ERR_LINK_INVALID');
    const result = await inviteOk(server, { inviteEmail: 'bob@example.com' });
    const foreign = await claim(server, tokenOfHostLink(result.hostLink), 'https://evil.example');
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('ERR_UNAUTHORIZED');
    expect((await readState(server)).hostInvites[0]?.claimedAt).toBeNull();
  });

  it('ends a claimed session whose new host never says hello within the host grace', async () => {
    const server = await startTestServer({ hostGraceSeconds: 0.3 });
    const result = await inviteOk(server, { inviteEmail: 'bob@example.com' });
    const inviter = await joinAsGuest(server, result.guestLink, 'Ann');
    await inviter.expect('joined');
    await sleep(500); // Not claimed yet: nobody is expected to host, nothing ends.
    expect(inviter.pending).toEqual([]);
    expect((await claim(server, tokenOfHostLink(result.hostLink))).status).toBe(201);
    expect(await inviter.expect('session-ended', 3000)).toEqual({ type: 'session-ended', reason: 'host-ended' });
  });
});

describe('where invitations may lead', () => {
  it('refuses a url outside the allowed origins (no open redirect) and callers from other origins', async () => {
    const server = await startTestServer({ allowedOrigins: [SITE] });
    const elsewhere = await invite(server, { inviteEmail: 'bob@example.com', url: 'https://evil.example/phish' });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error.code).toBe('ERR_INVALID_PARAMS');
    expect(elsewhere.body.error.message).toContain('https://evil.example');
    const notHttp = await invite(server, { inviteEmail: 'bob@example.com', url: 'javascript:alert(1)' });
    expect(notHttp.body.error.code).toBe('ERR_INVALID_PARAMS');
    const foreignCaller = await invite(server, { inviteEmail: 'bob@example.com' }, 'https://evil.example');
    expect(foreignCaller.status).toBe(403);
    expect(foreignCaller.body.error.code).toBe('ERR_UNAUTHORIZED');
    expect((await request(server, '/healthz')).body.sessions).toBe(0); // Nothing was made.

    // The server's own origin is always allowed.
    const own = await inviteOk(server, { inviteEmail: 'bob@example.com', url: `${server.origin}/demo/` });
    expect((await request(server, new URL(own.hostLink).pathname)).headers.get('location')).toMatch(new RegExp(`^${server.origin}/demo/#`));
  });

  it('on a server open to every origin, leads only to the asking site or the server itself', async () => {
    const server = await startTestServer();
    const elsewhere = await invite(server, { inviteEmail: 'bob@example.com', url: 'https://evil.example/phish' });
    expect([elsewhere.status, elsewhere.body.error.code]).toEqual([400, 'ERR_INVALID_PARAMS']);
    const noOrigin = await invite(server, { inviteEmail: 'bob@example.com' }, null);
    expect(noOrigin.status).toBe(400);
    expect((await request(server, '/healthz')).body.sessions).toBe(0);
    await inviteOk(server, { inviteEmail: 'bob@example.com' }); // The asking site's own page.
    await inviteOk(server, { inviteEmail: 'bob@example.com', url: `${server.origin}/demo/` });
  });

  it('answers CORS preflights for allowed origins only, and validates the body with the protocol', async () => {
    const server = await startTestServer({ allowedOrigins: [SITE] });
    for (const path of ['/api/ith', '/api/ith/claim']) {
      const ok = await request(server, path, { method: 'OPTIONS', headers: { Origin: SITE } });
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe(SITE);
      const refused = await request(server, path, { method: 'OPTIONS', headers: { Origin: 'https://evil.example' } });
      expect(refused.status).toBe(403);
    }
    const missing = await postJson(server, '/api/ith', { hostName: 'Ann', url: `${SITE}/` }, SITE);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toEqual({ code: 'ERR_INVALID_PARAMS', message: 'hostEmail or ithJoinCode is required' });
  });
});

describe('the invited session', () => {
  it('is an ordinary realtime session once hosted: guests join, the host sees them', async () => {
    const server = await startTestServer();
    const result = await inviteOk(server, { inviteName: 'Bob', inviteEmail: 'bob@example.com' });
    const { body } = await claim(server, tokenOfHostLink(result.hostLink));
    const host = await sayHello(server, body.session.sessionId, body.hostToken);
    await host.expect('welcome');
    const inviter = await joinAsGuest(server, result.guestLink, 'Ann');
    await inviter.expect('joined');
    expect((await host.expect('guest-joined')).guest.name).toBe('Ann');
    // The guest link is one-time, as create-link makes it.
    const twice = await joinAsGuest(server, result.guestLink);
    expect((await twice.expect('error')).error.code).toBe('ERR_LINK_USED');
    // Unrelated sessions are unaffected.
    await hostWithGuest(server);
  });
});
