// Join codes: an invitation to host with `ithJoinCode` can be taken up by
// typing the code at /join (a server-rendered page, with or without script),
// which leads to the landing page with a claim token. Codes expire with their
// invitation, die when it is claimed, and wrong codes are rate limited.

import { afterEach, describe, expect, it } from 'vitest';
import { ITH_FRAGMENT_KEY, JOIN_CODE_ALPHABET, type InviteToHostResult } from '../../src/protocol/index.js';
import { sleep } from './support/continuity.js';
import { postJson, request, type JsonResponse } from './support/http.js';
import { startTestServer, stopServers, type TestServer } from './support/server.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';

const smtpServers: TestSmtpServer[] = [];
afterEach(async () => {
  await stopServers();
  await Promise.all(smtpServers.splice(0).map((s) => s.close()));
});

const SITE = 'https://shop.example';

async function inviteOk(server: TestServer, body: Record<string, unknown>): Promise<InviteToHostResult> {
  const res = await postJson(server, '/api/ith', { hostName: 'Agent Ann', url: `${SITE}/start`, ...body }, SITE);
  if (res.status !== 201) throw new Error(`POST /api/ith answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as InviteToHostResult;
}

const join = (server: TestServer, code: unknown): Promise<JsonResponse> => postJson(server, '/api/join', { code });

/** The claim token in a redirect to the landing page. */
function claimTokenOf(redirect: string): string {
  const url = new URL(redirect);
  expect(`${url.origin}${url.pathname}`).toBe(`${SITE}/start`);
  return new URLSearchParams(url.hash.slice(1)).get(ITH_FRAGMENT_KEY) ?? '';
}

function postForm(server: TestServer, code: string): Promise<Response> {
  return fetch(`${server.httpUrl}/join`, {
    method: 'POST', redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ code }).toString(),
  });
}

describe('server-made join codes', () => {
  it('makes an 8-character code that leads, typed loosely, to the landing page with a claim token', async () => {
    const server = await startTestServer();
    const result = await inviteOk(server, { ithJoinCode: true });
    const code = result.joinCode ?? '';
    expect(code).toMatch(new RegExp(`^[${JOIN_CODE_ALPHABET}]{8}$`));

    const typed = ` ${code.slice(0, 4).toLowerCase()}-${code.slice(4)} `;
    const res = await join(server, typed);
    expect(res.status).toBe(200);
    const token = claimTokenOf(res.body.redirect);
    const claimed = await postJson(server, '/api/ith/claim', { token }, SITE);
    expect(claimed.status).toBe(201);
    expect(claimed.body.hostToken).toEqual(expect.any(String));

    // Claimed: the code, the host link and every other token of the invitation are spent.
    const again = await join(server, code);
    expect(again.status).toBe(410);
    expect(again.body.error.code).toBe('ERR_LINK_USED');
    const hostLink = await request(server, new URL(result.hostLink).pathname);
    expect(hostLink.status).toBe(410);
  });

  it('stays good until claimed: each use gives a new token, any of which claims, once', async () => {
    const server = await startTestServer();
    const { joinCode } = await inviteOk(server, { ithJoinCode: true });
    const first = claimTokenOf((await join(server, joinCode)).body.redirect);
    const second = claimTokenOf((await join(server, joinCode)).body.redirect);
    expect(first).not.toBe(second);
    expect((await postJson(server, '/api/ith/claim', { token: second }, SITE)).status).toBe(201);
    expect((await postJson(server, '/api/ith/claim', { token: first }, SITE)).body.error.code).toBe('ERR_LINK_USED');
  });

  it('expires with its invitation', async () => {
    const server = await startTestServer({ linkTtlSeconds: 0.3 });
    const { joinCode } = await inviteOk(server, { ithJoinCode: true });
    await sleep(400);
    const res = await join(server, joinCode);
    expect(res.status).toBe(410);
    expect(res.body.error).toEqual({
      code: 'ERR_LINK_EXPIRED', message: 'This code has expired. Ask the person who invited you for a new one.',
    });
  });

  it('goes in the mail too, after the host link, when the invitation is also mailed', async () => {
    const mailbox = await startSmtpServer();
    smtpServers.push(mailbox);
    const server = await startTestServer({ smtpUrl: mailbox.url });
    const result = await inviteOk(server, { ithJoinCode: true, inviteEmail: 'bob@example.com' });
    const text = mailbox.received[0]?.mail.text ?? '';
    expect(/https?:\/\/\S+/.exec(text)?.[0]).toBe(result.hostLink);
    expect(text).toContain(`${server.url}/join and type the code ${result.joinCode}`);
  });
});

describe("the caller's join code", () => {
  it('is used as given (normalized), and cannot be taken by another live invitation', async () => {
    const server = await startTestServer();
    const first = await inviteOk(server, { ithJoinCode: 'ab2c-d3ef' });
    expect(first.joinCode).toBe('AB2CD3EF');
    const clash = await postJson(server, '/api/ith', { hostName: 'Cy', url: `${SITE}/`, ithJoinCode: 'AB2CD3EF' }, SITE);
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('ERR_INVALID_PARAMS');
    expect(clash.body.error.message).toMatch(/already in use/);

    // Once the first invitation is claimed, the code is free for a new one, and leads there.
    const token = claimTokenOf((await join(server, 'AB2CD3EF')).body.redirect);
    expect((await postJson(server, '/api/ith/claim', { token }, SITE)).status).toBe(201);
    const reuse = await inviteOk(server, { ithJoinCode: 'AB2CD3EF', url: `${SITE}/start` });
    const next = await join(server, 'ab2cd3ef');
    expect(next.status).toBe(200);
    const claimed = await postJson(server, '/api/ith/claim', { token: claimTokenOf(next.body.redirect) }, SITE);
    expect(claimed.status).toBe(201);
    expect(new URL(reuse.hostLink).pathname).not.toBe(new URL(first.hostLink).pathname);
  });

  it('is refused when it is not a code', async () => {
    const server = await startTestServer();
    const res = await postJson(server, '/api/ith', { hostName: 'Ann', url: `${SITE}/`, ithJoinCode: 'OOPS' }, SITE);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ERR_INVALID_PARAMS');
  });
});

describe('guessing', () => {
  it('rate limits wrong codes per address: 10, then "Too many attempts", even for a right code', async () => {
    const server = await startTestServer();
    const { joinCode } = await inviteOk(server, { ithJoinCode: true });
    const malformed = await join(server, 'O0O0O0');
    expect(malformed.status).toBe(400); // Cannot match anything: not counted.
    for (let i = 0; i < 10; i++) {
      const wrong = await join(server, `ZZZZZZ${JOIN_CODE_ALPHABET[i]}${JOIN_CODE_ALPHABET[i]}`);
      expect(wrong.status).toBe(404);
      expect(wrong.body.error).toEqual({ code: 'ERR_LINK_INVALID', message: 'This code is not valid. Check it and try again.' });
    }
    const limited = await join(server, joinCode);
    expect(limited.status).toBe(429);
    expect(limited.body.error).toEqual({ code: 'ERR_RATE_LIMITED', message: 'Too many attempts. Try again in 1 minute.' });
    const form = await postForm(server, joinCode ?? '');
    expect(form.status).toBe(429);
    expect(await form.text()).toContain('Too many attempts. Try again in 1 minute.');
  });
});

describe('the /join page', () => {
  it('is a server-rendered form with its own stylesheet and script, under a strict policy', async () => {
    const server = await startTestServer();
    const res = await fetch(`${server.httpUrl}/join?code=7kx4`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    expect(html).toContain('<form id="cwmn-join" method="post" action="join"');
    expect(html).toMatch(/<input id="cwmn-code" name="code" value="7kx4"/);
    expect(html).toContain('<script src="join.js" defer></script>');
    expect(html).not.toMatch(/<script>(?!<\/script>)|<script>[^<]|\son[a-z]+=/); // No inline script or handlers.
    expect(html).not.toContain('<style');

    const css = await fetch(`${server.httpUrl}/join.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain('.cwmn-card');
    const js = await fetch(`${server.httpUrl}/join.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toContain("form.getAttribute('data-api')");
  });

  it('works without script: a right code answers 303 to the landing page, a wrong one shows the page again', async () => {
    const server = await startTestServer();
    const { joinCode } = await inviteOk(server, { ithJoinCode: true });
    const ok = await postForm(server, (joinCode ?? '').toLowerCase());
    expect(ok.status).toBe(303);
    const token = claimTokenOf(ok.headers.get('location') ?? '');
    expect((await postJson(server, '/api/ith/claim', { token }, SITE)).status).toBe(201);

    const wrong = await postForm(server, '<b>ZZZZ</b>');
    expect(wrong.status).toBe(400);
    const html = await wrong.text();
    expect(html).toContain('A code has 6 to 12 letters and digits');
    expect(html).toContain('value="&lt;b&gt;ZZZZ&lt;/b&gt;"');
    expect(html).not.toContain('<b>ZZZZ</b>');
    const used = await postForm(server, joinCode ?? '');
    expect(used.status).toBe(410);
    expect(await used.text()).toContain('This code was already used.');
  });
});
