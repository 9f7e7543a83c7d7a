// The per-domain settings file (CWMN_DOMAINS_FILE) against the real server:
// which origins may host, what GET /api/domain says, 403 ERR_NOT_SUPPORTED for
// a disabled session kind, the per-origin session length, maxGuests →
// ERR_SESSION_FULL (without spending the link), and edits taking effect live.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { resumeAsGuest, sleep } from './support/continuity.js';
import { createSession, postJson, request } from './support/http.js';
import { startTestServer, stopServers, tempDir, type TestServer } from './support/server.js';
import {
  createLink, joinAsGuest, openGuestSocket, openHostSocket, requestOk, sendRequest, tokenOf, type HostSocket,
} from './support/socket.js';

afterEach(stopServers);

const SHOP = 'https://shop.example.com';
const BLOG = 'https://blog.example.com';
const ENV = 'https://env.example.com';
const OTHER = 'https://other.example.com';
const START = { hostName: 'Ada', hostEmail: '', isReplay: false };
const REPLAY = { ...START, isReplay: true };

const SETTINGS = {
  domains: {
    [SHOP]: {
      features: { realtime: true, replay: false },
      maskSelectors: ['.account-number', '#ssn'],
      blockSelectors: ['.chat-widget'],
      limits: { sessionMaxSeconds: 3600, maxGuests: 2 },
    },
    [BLOG]: { features: { realtime: false } },
    '*': { features: { realtime: true, replay: true }, maskSelectors: ['.everywhere'] },
  },
};

/** Writes `settings` to a new domains file; returns its path. */
function domainsFile(settings: unknown): string {
  const file = path.join(tempDir('cwmn-domains-'), 'domains.json');
  fs.writeFileSync(file, JSON.stringify(settings));
  return file;
}

/** Replaces the file's content the way an editor saves: a new file renamed over it. */
function rewrite(file: string, settings: unknown): void {
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(settings));
  fs.renameSync(`${file}.tmp`, file);
}

function withDomains(settings: unknown = SETTINGS, overrides: Parameters<typeof startTestServer>[0] = {}) {
  return startTestServer({ domainsFile: domainsFile(settings), ...overrides });
}

const domainOf = (server: TestServer, origin: string) => request(server, '/api/domain', { headers: { Origin: origin } });

/** A host of a new session created from `origin`, on a socket from that origin. */
async function hostFrom(server: TestServer, origin: string): Promise<{ socket: HostSocket; sessionId: string }> {
  const { session, hostToken } = await createSession(server, 'Ada', origin);
  const socket = await openHostSocket(server, origin);
  socket.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: session.sessionId, hostToken });
  await socket.expect('welcome');
  return { socket, sessionId: session.sessionId };
}

describe('authorization from the file', () => {
  it('lets the listed origins and the server\'s own host; refuses any other, on HTTP and on the socket', async () => {
    const server = await withDomains();
    expect((await postJson(server, '/api/sessions', START, SHOP)).status).toBe(201);
    expect((await postJson(server, '/api/sessions', START, server.origin)).status).toBe(201);
    const refused = await postJson(server, '/api/sessions', START, OTHER);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('ERR_UNAUTHORIZED');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    const { session, hostToken } = await createSession(server, 'Ada', SHOP);
    const stranger = await openHostSocket(server, OTHER);
    stranger.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: session.sessionId, hostToken });
    expect((await stranger.expect('error')).error.code).toBe('ERR_UNAUTHORIZED');
    expect((await domainOf(server, OTHER)).body.authorized).toBe(false);
    expect((await domainOf(server, SHOP)).body.authorized).toBe(true);
  });

  it('allows CWMN_ALLOWED_ORIGINS ∪ the file\'s origins; "*" alone allows every origin', async () => {
    const both = await withDomains(SETTINGS, { allowedOrigins: [ENV] });
    for (const origin of [SHOP, BLOG, ENV]) expect((await domainOf(both, origin)).body.authorized, origin).toBe(true);
    expect((await domainOf(both, OTHER)).body.authorized).toBe(false);
    expect((await postJson(both, '/api/sessions', START, ENV)).status).toBe(201);

    const defaultsOnly = await withDomains({ domains: { '*': { limits: { maxGuests: 3 } } } });
    expect((await postJson(defaultsOnly, '/api/sessions', START, OTHER)).status).toBe(201);
    expect((await domainOf(defaultsOnly, OTHER)).body).toMatchObject({ authorized: true, settings: { maxGuests: 3 } });
  });

  it('refuses to start on an invalid file, naming the bad key', async () => {
    const file = domainsFile({ domains: { [SHOP]: { limits: { maxGuests: 0 } } } });
    await expect(startTestServer({ domainsFile: file })).rejects.toThrow(`domains["${SHOP}"].limits.maxGuests must be a positive integer`);
  });
});

describe('GET /api/domain', () => {
  it('answers the merged settings of the asking origin', async () => {
    const server = await withDomains();
    const res = await domainOf(server, 'https://SHOP.example.com:443');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.body).toEqual({
      domain: 'shop.example.com',
      authorized: true,
      features: { realtime: true, replay: false },
      settings: {
        sessionMaxSeconds: 3600,
        maskSelectors: ['.everywhere', '.account-number', '#ssn'],
        blockSelectors: ['.chat-widget'],
        maxGuests: 2,
        siteOrigins: [],
      },
    });
    // An unlisted origin hears the defaults (and that it may not host).
    expect((await domainOf(server, OTHER)).body).toEqual({
      domain: 'other.example.com',
      authorized: false,
      features: { realtime: true, replay: true },
      settings: { sessionMaxSeconds: server.config.sessionMaxSeconds, maskSelectors: ['.everywhere'], blockSelectors: [], maxGuests: null, siteOrigins: [] },
    });
  });
});

describe('disabled features', () => {
  it('answers 403 ERR_NOT_SUPPORTED for a disabled session kind, readable by the page', async () => {
    const server = await withDomains();
    const replay = await postJson(server, '/api/sessions', REPLAY, SHOP);
    expect(replay.status).toBe(403);
    expect(replay.body.error).toEqual({ code: 'ERR_NOT_SUPPORTED', message: 'Replay sessions are not enabled for this domain' });
    expect(replay.headers.get('access-control-allow-origin')).toBe(SHOP);
    const realtime = await postJson(server, '/api/sessions', START, BLOG);
    expect(realtime.status).toBe(403);
    expect(realtime.body.error).toEqual({ code: 'ERR_NOT_SUPPORTED', message: 'Realtime sessions are not enabled for this domain' });
    // The other kind is still allowed, and nothing was created by the refusals.
    expect((await postJson(server, '/api/sessions', REPLAY, BLOG)).status).toBe(201);
    expect((await request(server, '/healthz')).body.sessions).toBe(1);
  });

  it('refuses an invitation to host on a site whose realtime sessions are off', async () => {
    const server = await withDomains();
    const ith = (url: string) => postJson(server, '/api/ith', { hostName: 'Ann', hostEmail: 'ann@example.com', url, ithJoinCode: true }, SHOP);
    const refused = await ith(`${BLOG}/post`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('ERR_NOT_SUPPORTED');
    expect((await request(server, '/healthz')).body.sessions).toBe(0);
    const made = await ith(`${SHOP}/cart`);
    expect(made.status).toBe(201);
    // The invited session runs on the landing page: its origin's length applies.
    expect(made.body.expiresAt).toBeLessThanOrEqual(Date.now() + 3600 * 1000);
    expect(made.body.expiresAt).toBeGreaterThan(Date.now() + 3500 * 1000);
  });
});

describe('session length', () => {
  it('caps a listed origin\'s realtime sessions at its sessionMaxSeconds, and ends them then', async () => {
    const server = await withDomains({ domains: { [SHOP]: { limits: { sessionMaxSeconds: 1 } } } });
    const { session, hostToken } = await createSession(server, 'Ada', SHOP);
    expect(session.expiresAt - session.startedAt).toBe(1000);
    const own = await createSession(server, 'Bo', server.origin);
    expect(own.session.expiresAt - own.session.startedAt).toBe(server.config.sessionMaxSeconds * 1000);
    // Replays keep the server's replay limit.
    const replay = await postJson(server, '/api/sessions', REPLAY, SHOP);
    expect(replay.body.session.expiresAt - replay.body.session.startedAt).toBe(server.config.replayMaxSeconds * 1000);

    await sleep(1300);
    const late = await openHostSocket(server, SHOP);
    late.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: session.sessionId, hostToken });
    const error = (await late.expect('error')).error;
    expect(error.code).toBe('ERR_SESSION_ENDED');
    expect(error.message).toMatch(/maximum length/);
  });
});

describe('maxGuests', () => {
  it('refuses a guest beyond the limit with ERR_SESSION_FULL, without spending its link', async () => {
    const server = await withDomains();
    const host = await hostFrom(server, SHOP);
    const [a, b, c] = [await createLink(host.socket), await createLink(host.socket), await createLink(host.socket)];
    const first = await joinAsGuest(server, a, 'Bea');
    const second = await joinAsGuest(server, b, 'Cy');
    const firstJoined = await first.expect('joined');
    await second.expect('joined');

    const third = await joinAsGuest(server, c, 'Dee');
    expect((await third.expect('error')).error).toEqual({ code: 'ERR_SESSION_FULL', message: 'This session is full' });
    await third.waitClosed();

    // Room again once a guest is removed: the same link works, as it was not spent.
    expect((await sendRequest(host.socket, { type: 'remove-guest', guestId: firstJoined.guestId })).ok).toBe(true);
    await host.socket.take((m) => m.type === 'guest-left');
    const again = await joinAsGuest(server, c, 'Dee');
    expect((await again.expect('joined')).sessionId).toBe(host.sessionId);
  });

  it('counts guests who are away within their grace, lets them come back, and limits the public link too', async () => {
    const server = await withDomains(SETTINGS, { guestGraceSeconds: 30 });
    const host = await hostFrom(server, SHOP);
    const { url } = await requestOk<{ url: string }>(host.socket, { type: 'set-public-link', enabled: true });
    const first = await joinAsGuest(server, url, 'Bea');
    const joined = await first.expect('joined');
    await (await joinAsGuest(server, url, 'Cy')).expect('joined');
    first.close();
    await first.waitClosed();

    const extra = await joinAsGuest(server, url, 'Dee');
    expect((await extra.expect('error')).error.code).toBe('ERR_SESSION_FULL');
    const back = await resumeAsGuest(server, { guestId: joined.guestId, resumeToken: joined.resumeToken! });
    expect((await back.expect('joined')).guestId).toBe(joined.guestId);
  });

  it('applies to sessions created by the origin, whoever opens the viewer; other origins are unlimited', async () => {
    const server = await withDomains(SETTINGS, { allowedOrigins: [ENV] });
    const host = await hostFrom(server, ENV);
    for (let i = 0; i < 4; i++) {
      const guest = await openGuestSocket(server);
      guest.send({ type: 'guest-join', v: PROTOCOL_VERSION, token: tokenOf(await createLink(host.socket)), name: '' });
      await guest.expect('joined');
    }
  });
});

describe('editing the file while the server runs', () => {
  it('takes effect at the next request; a broken edit keeps the last good settings and is logged', async () => {
    const file = domainsFile({ domains: { [SHOP]: {} } });
    const server = await startTestServer({ domainsFile: file });
    expect((await domainOf(server, BLOG)).body.authorized).toBe(false);

    rewrite(file, { domains: { [SHOP]: {}, [BLOG]: { features: { replay: false }, limits: { maxGuests: 1 } } } });
    expect((await domainOf(server, BLOG)).body).toMatchObject({ authorized: true, features: { replay: false }, settings: { maxGuests: 1 } });
    expect((await postJson(server, '/api/sessions', START, BLOG)).status).toBe(201);
    expect(server.logs).toContainEqual(expect.stringMatching(/^domains: reloaded 2 origins from /));

    fs.writeFileSync(file, '{"domains": {"https://blog.example.com": {"limits": {"maxGuests": "one"}}}}');
    expect((await domainOf(server, BLOG)).body).toMatchObject({ authorized: true, settings: { maxGuests: 1 } });
    expect((await domainOf(server, SHOP)).body.authorized).toBe(true);
    expect(server.logs).toContainEqual(expect.stringContaining('not reloaded, keeping the settings read before: domains["https://blog.example.com"].limits.maxGuests'));
  });
});
