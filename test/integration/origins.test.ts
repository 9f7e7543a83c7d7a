// Which origins may host (CWMN_ALLOWED_ORIGINS) and open guest sockets.

import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { createSession, postJson, request } from './support/http.js';
import { startTestServer, stopServers } from './support/server.js';
import { createLink, openGuestSocket, openHostSocket, tokenOf, connectHost } from './support/socket.js';

afterEach(stopServers);

const ALLOWED = 'https://shop.example';
const OTHER = 'https://evil.example';
const START = { hostName: 'Ada', hostEmail: '', isReplay: false };

describe('with CWMN_ALLOWED_ORIGINS set', () => {
  const listed = () => startTestServer({ allowedOrigins: [ALLOWED] });

  it('refuses session creation from an unlisted origin with 403 ERR_UNAUTHORIZED and no CORS grant', async () => {
    const server = await listed();
    const res = await postJson(server, '/api/sessions', START, OTHER);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('ERR_UNAUTHORIZED');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect((await request(server, '/healthz')).body.sessions).toBe(0);
  });

  it('creates sessions for a listed origin (reflected in CORS) and for its own origin', async () => {
    const server = await listed();
    const res = await postJson(server, '/api/sessions', START, ALLOWED);
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('vary')).toBe('Origin');
    expect((await postJson(server, '/api/sessions', START, server.origin)).status).toBe(201);
  });

  it('answers preflights for listed origins only', async () => {
    const server = await listed();
    const preflight = (origin: string) => request(server, '/api/sessions', {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    const ok = await preflight(ALLOWED);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(ok.headers.get('access-control-allow-methods')).toBe('POST');
    expect(ok.headers.get('access-control-allow-headers')).toBe('Content-Type');
    const refused = await preflight(OTHER);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('says authorized false to an unlisted origin, readable from anywhere', async () => {
    const server = await listed();
    const other = await request(server, '/api/domain', { headers: { Origin: OTHER } });
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBe('*');
    expect(other.body).toEqual({
      domain: 'evil.example', authorized: false, features: { realtime: true, replay: true }, settings: { sessionMaxSeconds: 14400, maskSelectors: [], blockSelectors: [], maxGuests: null, siteOrigins: [] },
    });
    const allowed = await request(server, '/api/domain', { headers: { Origin: ALLOWED } });
    expect(allowed.body.authorized).toBe(true);
    const byQuery = await request(server, `/api/domain?origin=${encodeURIComponent(OTHER)}`);
    expect(byQuery.body).toMatchObject({ domain: 'evil.example', authorized: false });
    const own = await request(server, '/api/domain'); // Same-origin GET: browsers send no Origin.
    expect(own.body).toMatchObject({ domain: '127.0.0.1', authorized: true });
  });

  it('refuses host-hello from an unlisted origin with ERR_UNAUTHORIZED, even with a valid token', async () => {
    const server = await listed();
    const { session, hostToken } = await createSession(server, 'Ada', ALLOWED);
    const host = await openHostSocket(server, OTHER);
    host.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: session.sessionId, hostToken });
    expect((await host.expect('error')).error.code).toBe('ERR_UNAUTHORIZED');
    expect((await host.waitClosed()).code).toBe(1008);

    const good = await openHostSocket(server, ALLOWED);
    good.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: session.sessionId, hostToken });
    expect((await good.expect('welcome')).session.sessionId).toBe(session.sessionId);
  });

  it('lets guests join from the server origin (the viewer) but not from an unlisted one, without spending the link', async () => {
    const server = await listed();
    const host = await connectHost(server);
    const token = tokenOf(await createLink(host.socket));
    const foreign = await openGuestSocket(server, OTHER);
    foreign.send({ type: 'guest-join', v: PROTOCOL_VERSION, token, name: '' });
    expect((await foreign.expect('error')).error.code).toBe('ERR_UNAUTHORIZED');

    const viewer = await openGuestSocket(server, server.origin);
    viewer.send({ type: 'guest-join', v: PROTOCOL_VERSION, token, name: '' });
    expect((await viewer.expect('joined')).sessionId).toBe(host.sessionId);
  });
});

describe('with no CWMN_ALLOWED_ORIGINS', () => {
  it('lets any origin host', async () => {
    const server = await startTestServer();
    const res = await postJson(server, '/api/sessions', START, OTHER);
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe(OTHER);
    const host = await openHostSocket(server, OTHER);
    host.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: res.body.session.sessionId, hostToken: res.body.hostToken });
    await host.expect('welcome');
    expect((await request(server, '/api/domain', { headers: { Origin: OTHER } })).body.authorized).toBe(true);
  });
});
