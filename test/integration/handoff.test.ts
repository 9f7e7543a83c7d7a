// Handoffs: a host's page on one origin of a site leaves a token for the next
// page, on another origin of the same site, which trades it for the session once.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CreateSessionResponse } from '../../src/protocol/index.js';
import { postJson } from './support/http.js';
import { sayHello } from './support/continuity.js';
import { storedStateText } from './support/state.js';
import { startTestServer, stopServers, tempDir, type TestServer } from './support/server.js';

afterEach(stopServers);

const SHOP = 'https://shop.example.com';
const CHECKOUT = 'https://checkout.example.com';
const BLOG = 'https://blog.example.com';

async function siteServer(): Promise<TestServer> {
  const file = path.join(tempDir(), 'domains.json');
  fs.writeFileSync(file, JSON.stringify({ domains: { [SHOP]: { siteOrigins: [CHECKOUT] }, [BLOG]: {} } }));
  return startTestServer({ domainsFile: file });
}

async function sessionOn(server: TestServer, origin: string): Promise<CreateSessionResponse> {
  const res = await postJson(server, '/api/sessions', { hostName: 'Ada', hostEmail: '', isReplay: false }, origin);
  expect(res.status).toBe(201);
  return res.body as CreateSessionResponse;
}

const issue = (server: TestServer, s: CreateSessionResponse, origin = SHOP) =>
  postJson(server, `/api/sessions/${s.session.sessionId}/handoff`, { hostToken: s.hostToken }, origin);
const redeem = (server: TestServer, token: unknown, origin: string) => postJson(server, '/api/handoff', { token }, origin);
const code = (res: { body: unknown }) => (res.body as { error?: { code: string } }).error?.code;

describe('handoff between the origins of a site', () => {
  it('trades a handoff token for the session once, on a site origin or the session\'s own', async () => {
    const server = await siteServer();
    const s = await sessionOn(server, SHOP);
    const issued = await issue(server, s);
    expect(issued.status).toBe(200);
    expect(issued.headers.get('access-control-allow-origin')).toBe(SHOP);
    const { token } = issued.body as { token: string };

    const traded = await redeem(server, token, CHECKOUT);
    expect(traded.status).toBe(200);
    expect(traded.headers.get('access-control-allow-origin')).toBe(CHECKOUT);
    expect(traded.body).toMatchObject({ hostToken: s.hostToken, session: { sessionId: s.session.sessionId, hostName: 'Ada' } });
    expect(code(await redeem(server, token, CHECKOUT))).toBe('ERR_NOT_FOUND'); // Once.

    // Back to the session's own origin, with the token the checkout page got along with the session.
    const { handoffToken } = traded.body as { handoffToken: string };
    expect(handoffToken).not.toBe(token);
    expect((await redeem(server, handoffToken, SHOP)).status).toBe(200);
  });

  it('gives a new session of such a site its first handoff token at once, and none to other sessions', async () => {
    const server = await siteServer();
    const s = await sessionOn(server, SHOP);
    expect(s.handoffToken).toEqual(expect.any(String));
    expect((await redeem(server, s.handoffToken, CHECKOUT)).body).toMatchObject({ hostToken: s.hostToken });
    expect((await sessionOn(server, BLOG)).handoffToken).toBeUndefined();
  });

  it('refuses an origin outside the site, keeps the token for the right page, and a new token replaces the last', async () => {
    const server = await siteServer();
    const s = await sessionOn(server, SHOP);
    const first = ((await issue(server, s)).body as { token: string }).token;
    const blog = await redeem(server, first, BLOG);
    expect([blog.status, code(blog)]).toEqual([403, 'ERR_FORBIDDEN']);
    const stranger = await redeem(server, first, 'https://evil.example');
    expect([stranger.status, code(stranger)]).toEqual([403, 'ERR_UNAUTHORIZED']);
    expect((await redeem(server, first, CHECKOUT)).status).toBe(200); // Still there for the right page.

    const replaced = ((await issue(server, s)).body as { token: string }).token;
    const latest = ((await issue(server, s)).body as { token: string }).token;
    expect(code(await redeem(server, replaced, CHECKOUT))).toBe('ERR_NOT_FOUND');
    expect((await redeem(server, latest, CHECKOUT)).status).toBe(200);
  });

  it('needs the host token, site origins for the session\'s origin, and a live session', async () => {
    const server = await siteServer();
    const s = await sessionOn(server, SHOP);
    const forged = await postJson(server, `/api/sessions/${s.session.sessionId}/handoff`, { hostToken: 'A'.repeat(43) }, SHOP);
    expect([forged.status, code(forged)]).toEqual([403, 'ERR_FORBIDDEN']);
    expect(code(await postJson(server, `/api/sessions/${s.session.sessionId}/handoff`, {}, SHOP))).toBe('ERR_INVALID_PARAMS');
    const onBlog = await sessionOn(server, BLOG);
    expect(code(await issue(server, onBlog, BLOG))).toBe('ERR_NOT_SUPPORTED');

    const { token } = (await issue(server, s)).body as { token: string };
    expect((await storedStateText(server.config.dataDir))).not.toContain(token); // Kept in memory only, and only hashed.
    expect(code(await redeem(server, 'not a token', CHECKOUT))).toBe('ERR_INVALID_PARAMS');

    const host = await sayHello(server, s.session.sessionId, s.hostToken);
    await host.expect('welcome');
    host.send({ type: 'end-session', rid: 1 });
    await host.expect('reply');
    const gone = await redeem(server, token, CHECKOUT); // An ended session's handoff is forgotten.
    expect([gone.status, code(gone)]).toEqual([404, 'ERR_NOT_FOUND']);
  });
});
