// The JSON API: health, domain information, session creation and errors.

import { afterEach, describe, expect, it } from 'vitest';
import { isId, isToken, MAX_HTTP_BODY_BYTES } from '../../src/protocol/index.js';
import { postJson, request } from './support/http.js';
import { startTestServer, stopServers } from './support/server.js';

afterEach(stopServers);

describe('GET /healthz', () => {
  it('reports ok and the number of active sessions', async () => {
    const server = await startTestServer();
    expect((await request(server, '/healthz')).body).toEqual({ ok: true, sessions: 0 });
    await postJson(server, '/api/sessions', { hostName: 'Ada', hostEmail: '', isReplay: false });
    const res = await request(server, '/healthz');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({ ok: true, sessions: 1 });
  });
});

describe('GET /api/domain', () => {
  it('describes the asking origin, with CORS for everyone', async () => {
    const server = await startTestServer({ sessionMaxSeconds: 600 });
    const res = await request(server, '/api/domain', { headers: { Origin: 'https://www.shop.example:8443' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.body).toEqual({
      domain: 'www.shop.example', authorized: true, features: { realtime: true, replay: true }, settings: { sessionMaxSeconds: 600, maskSelectors: [], blockSelectors: [], maxGuests: null, siteOrigins: [] },
    });
  });

  it('refuses an origin parameter that is not an origin', async () => {
    const server = await startTestServer();
    const res = await request(server, '/api/domain?origin=javascript:alert(1)');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ERR_INVALID_PARAMS');
  });
});

describe('POST /api/sessions', () => {
  it('creates a session: 201 with the session info and a host token', async () => {
    const server = await startTestServer({ sessionMaxSeconds: 60 });
    const before = Date.now();
    const res = await postJson(server, '/api/sessions', { hostName: ' Ada\u0000 ', hostEmail: 'ada@example.com', isReplay: false });
    expect(res.status).toBe(201);
    const { session, hostToken } = res.body;
    expect(isId(session.sessionId)).toBe(true);
    expect(isToken(hostToken)).toBe(true);
    expect(session).toMatchObject({ isReplay: false, hostName: 'Ada', hostEmail: 'ada@example.com', guestCount: 0 });
    expect(session.startedAt).toBeGreaterThanOrEqual(before);
    expect(session.expiresAt - session.startedAt).toBe(60_000);
  });

  it('names an unnamed host "Host" and accepts a missing email', async () => {
    const server = await startTestServer();
    const res = await postJson(server, '/api/sessions', { hostName: '' });
    expect(res.status).toBe(201);
    expect(res.body.session).toMatchObject({ hostName: 'Host', hostEmail: '' });
  });

  it('refuses bad parameters with 400 ERR_INVALID_PARAMS', async () => {
    const server = await startTestServer();
    for (const body of [{ hostName: 5 }, { hostName: 'Ada', hostEmail: 'not-an-email' }, [], 'null', { hostName: 'x'.repeat(101) }]) {
      const res = await postJson(server, '/api/sessions', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('ERR_INVALID_PARAMS');
    }
  });

  it('refuses a body that is not JSON with 400', async () => {
    const server = await startTestServer();
    const res = await postJson(server, '/api/sessions', '{"hostName":');
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'ERR_INVALID_PARAMS', message: 'The request body is not valid JSON' });
  });

  it('refuses a body over the limit with 413 ERR_TOO_LARGE', async () => {
    const server = await startTestServer();
    const res = await postJson(server, '/api/sessions', { hostName: 'Ada', pad: 'x'.repeat(MAX_HTTP_BODY_BYTES) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('ERR_TOO_LARGE');
    expect((await request(server, '/healthz')).status).toBe(200);
  });

  it('creates replay sessions that expire after the replay maximum (more in replay.test.ts)', async () => {
    const server = await startTestServer({ replayMaxSeconds: 90 });
    const res = await postJson(server, '/api/sessions', { hostName: 'Ada', hostEmail: '', isReplay: true });
    expect(res.status).toBe(201);
    expect(res.body.session.isReplay).toBe(true);
    expect(res.body.session.expiresAt - res.body.session.startedAt).toBe(90_000);
  });

  it('limits session creation per address with 429 ERR_RATE_LIMITED', async () => {
    const server = await startTestServer();
    const statuses: number[] = [];
    for (let i = 0; i < 125; i++) {
      statuses.push((await postJson(server, '/api/sessions', { hostName: 'Ada' })).status);
    }
    expect(statuses.slice(0, 120).every((s) => s === 201)).toBe(true); // An office behind one address is fine.
    const limited = await postJson(server, '/api/sessions', { hostName: 'Ada' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('ERR_RATE_LIMITED');
  });
});

describe('errors', () => {
  it('answers an unknown path with 404 JSON', async () => {
    const server = await startTestServer();
    const res = await request(server, '/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('ERR_NOT_FOUND');
  });

  it('answers a known path with the wrong method with 405 and Allow', async () => {
    const server = await startTestServer();
    const res = await request(server, '/api/sessions', { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('OPTIONS, POST');
    expect(res.body.error.code).toBe('ERR_NOT_SUPPORTED');
  });
});
