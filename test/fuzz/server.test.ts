// Fuzzing the server's socket and HTTP API (issue 4, item 8): thousands of
// random and malformed messages on fresh sockets, on an admitted host's
// socket and on an admitted guest's socket, then random HTTP requests and raw
// bytes. The protocol's own parsers say what is malformed. Afterwards the
// server must be healthy and a full valid flow must work. Seeded: the seed is
// printed, and `FUZZ_SEED=<n>` replays a run.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../signaling/config.js';
import { startServer, type RunningServer } from '../../signaling/server.js';
import { ErrorCode, isErrorCode, parseGuestMessage, parseHostMessage, PROTOCOL_VERSION, type Parsed } from '../../src/protocol/index.js';
import { randomString } from './support/generators.js';
import { headerValue, HTML_PAGES, randomHttpCase, randomRawRequest, SECRETS } from './support/http-cases.js';
import { CrashCounter, Failures, preview } from './support/outcomes.js';
import { AddressPool, ANSWER_TIMEOUT_MS, pool, Probe, sendHttp, sendRaw, type Outcome } from './support/probe.js';
import { fuzzSeed, Random } from './support/random.js';
import * as T from './support/templates.js';
import { checkTransportRefusal, classify, errorCode, ridOf, wsCase } from './support/ws-cases.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SEED = fuzzSeed();
const crashes = new CrashCounter();
const addresses = new AddressPool();
const logs: string[] = [];
const startedAt = Date.now();
/** Another origin allowed to host, besides the server's own. */
const ALLOWED_ORIGIN = 'http://allowed.example';

/** What the server did, per kind of case: the figures of the closing note. */
const tally = { wsMessages: 0, httpRequests: 0, rawRequests: 0, outcomes: new Map<string, number>() };
function count(outcome: string): void {
  tally.outcomes.set(outcome, (tally.outcomes.get(outcome) ?? 0) + 1);
}

let server: RunningServer;
let dataDir: string;
let port: number;
let origin: string;

beforeAll(async () => {
  console.log(`fuzz server: seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
  crashes.start();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cwmn-fuzz-'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', CWMN_DATA_DIR: dataDir, CWMN_ALLOWED_ORIGINS: ALLOWED_ORIGIN }, ROOT);
  server = await startServer({ ...config, log: (line) => logs.push(line) });
  port = server.port;
  origin = new URL(server.url).origin;
});

afterAll(async () => {
  const closed = await Promise.race([server?.close().then(() => true), new Promise((r) => setTimeout(() => r(false), 3000))]);
  if (!closed) console.log('fuzz server: the server did not close within 3 s (sockets left open)');
  crashes.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  const outcomes = [...tally.outcomes].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`fuzz: ${tally.wsMessages} ws messages, ${tally.httpRequests} http requests, ${tally.rawRequests} raw tcp requests, `
    + `${crashes.total} crashes, ${((Date.now() - startedAt) / 1000).toFixed(1)} s (seed ${SEED}); outcomes: ${outcomes}`);
});

/** Creates a session over HTTP from a fresh address. */
async function createSession(isReplay = false): Promise<{ sessionId: string; hostToken: string }> {
  const res = await sendHttp(port, addresses.next(), {
    method: 'POST', path: '/api/sessions', headers: { 'Content-Type': 'application/json', Origin: origin },
    body: Buffer.from(JSON.stringify({ hostName: 'Fuzz', hostEmail: 'fuzz@example.com', isReplay })), contentLength: true,
  });
  if (res.status !== 201) throw new Error(`POST /api/sessions answered ${res.status}: ${res.body.toString()}`);
  const body = JSON.parse(res.body.toString()) as { session: { sessionId: string }; hostToken: string };
  return { sessionId: body.session.sessionId, hostToken: body.hostToken };
}

/** A host socket introduced to `session`, or null when the server refused it (e.g. the session ended). */
async function connectHost(session: { sessionId: string; hostToken: string }): Promise<Probe | null> {
  const probe = await Probe.open(port, addresses.next(), origin);
  const out = await probe.exchange(JSON.stringify({ type: 'host-hello', v: PROTOCOL_VERSION, ...session }));
  if (out.messages[0]?.type === 'welcome') return probe;
  probe.close();
  return null;
}

let nextRid = 1_000_000;

/** Asks a host socket for a new invite link; returns its token. */
async function createLinkToken(host: Probe): Promise<string> {
  const rid = nextRid++;
  const out = await host.exchange(JSON.stringify({ type: 'create-link', rid }));
  const reply = out.messages.find((m) => m.type === 'reply' && m.rid === rid) as { ok: boolean; result?: { url: string } } | undefined;
  if (!reply?.ok || !reply.result) throw new Error(`create-link failed: ${preview(out)}`);
  return new URL(reply.result.url).pathname.split('/').pop()!;
}

describe('fuzz: the signaling socket', () => {
  it('first messages on fresh sockets: every one is refused with an error and a close, or is a valid introduction', async () => {
    const r = Random.for(SEED, 'first-messages');
    const failures = new Failures();
    const session = await createSession();
    // Real credentials and links in the templates: mutations then reach the checks behind the parser too.
    const control = (await connectHost(session))!;
    const tokens: string[] = [];
    for (let i = 0; i < 40; i++) tokens.push(await createLinkToken(control));
    control.close();
    const ids: T.TemplateIds = { ...T.PLACEHOLDER_IDS, ...session, linkToken: tokens[0]! };
    const templates = [...T.hostToServer(ids, 1), ...T.guestToServer(ids)].map((m) => (m.type === 'guest-join' ? { ...m, token: r.pick(tokens) } : m));
    const origins = [origin, origin, origin, ALLOWED_ORIGIN, null, 'null', 'http://evil.example', `${origin}/path`, headerValue(r)];
    const cases = Array.from({ length: 1500 }, () => ({ c: wsCase(r, templates), from: r.pick(origins) }));
    await pool(cases, 8, async ({ c, from }) => {
      const probe = await Probe.open(port, addresses.next(), from).catch((err: Error) => err);
      if (probe instanceof Error) {
        count('first:upgrade-refused');
        failures.add('the upgrade was refused', from, probe);
        return;
      }
      const out = await probe.exchange(c.data, c.binary);
      probe.close();
      tally.wsMessages++;
      const outcome = classify(out);
      count(`first:${outcome}`);
      if (checkTransportRefusal(failures, c, out)) return;
      const text = c.data as string;
      if (outcome === 'admitted') {
        const asHost = parseHostMessage(text);
        const asGuest = parseGuestMessage(text);
        const valid = (asHost.ok && asHost.value.type === 'host-hello') || (asGuest.ok && asGuest.value.type === 'guest-join');
        if (!valid) failures.add('a socket was admitted by a malformed introduction', text, out);
      } else if (outcome !== 'error+close') {
        failures.add(`a first message got ${outcome} instead of an error and a close`, text, out);
      } else if (!isErrorCode(errorCode(out))) {
        failures.add('an error with an undocumented code', text, out);
      }
    });
    expect(failures.list, `seed ${SEED}`).toEqual([]);
  });

  it('an admitted host\'s socket: malformed messages get an error and a close (or a failed reply), valid requests a reply', async () => {
    const r = Random.for(SEED, 'host-socket');
    const failures = new Failures();
    let session = await createSession();
    let host = (await connectHost(session))!;
    const unanswered = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      if (!host.isOpen) {
        host.close();
        const again = await connectHost(session);
        if (again) host = again;
        else {
          session = await createSession(); // A valid end-session ended it.
          host = (await connectHost(session))!;
        }
      }
      const rid = r.int(0, 2 ** 31);
      const ids: T.TemplateIds = { ...T.PLACEHOLDER_IDS, ...session };
      // end-session ends the session: rarely a seed, so most cases run against a live one.
      const templates = [...T.hostToServer(ids, rid).filter((m) => m.type !== 'end-session' || r.chance(0.1)), ...T.guestToServer(ids)];
      const c = wsCase(r, templates);
      const out = await host.exchange(c.data, c.binary);
      tally.wsMessages++;
      if (checkTransportRefusal(failures, c, out)) {
        count(`host:${c.kind}:${classify(out)}`);
        continue;
      }
      const text = c.data as string;
      const parsed = parseHostMessage(text);
      const type = parsed.ok ? parsed.value.type : 'malformed';
      // Some requests are answered later (an invite is delivered first): wait for their reply.
      const asked = parsed.ok ? (parsed.value as { rid?: number }).rid : undefined;
      if (asked !== undefined && type !== 'end-session' && !out.messages.some((m) => m.type === 'reply')) {
        const late = await host.waitFor((m) => m.type === 'reply' && m.rid === asked, ANSWER_TIMEOUT_MS);
        if (late) out.messages.push(late);
      }
      count(`host:${type}:${classify(out)}`);
      if (errorCode(out) === ErrorCode.RATE_LIMITED) continue; // Allowed at any time.
      checkHostOutcome(failures, text, parsed, out, unanswered);
    }
    host.close();
    expect(failures.list, `seed ${SEED}`).toEqual([]);
    expect(Object.fromEntries(unanswered), 'well-formed requests that got no reply').toEqual({});
  });

  it('an admitted guest\'s socket: malformed messages get an error and a close, signals are relayed', async () => {
    const r = Random.for(SEED, 'guest-socket');
    const failures = new Failures();
    const session = await createSession();
    let control = (await connectHost(session))!;
    let guest: Probe | null = null;
    let guestId = '';
    let relayed = 0;
    for (let i = 0; i < 500; i++) {
      if (!guest?.isOpen) {
        guest?.close();
        // The control socket asks for a link per guest: past its message rate the server closes it, and it comes back.
        if (!control.isOpen) control = (await connectHost(session))!;
        const token = await createLinkToken(control).catch(async () => {
          control.close();
          control = (await connectHost(session))!;
          return createLinkToken(control);
        });
        guest = await Probe.open(port, addresses.next(), origin);
        const joined = await guest.exchange(JSON.stringify({ type: 'guest-join', v: PROTOCOL_VERSION, token, name: randomString(r, 100).slice(0, 100) }));
        const welcome = joined.messages.find((m) => m.type === 'joined') as { guestId: string } | undefined;
        if (!welcome) {
          failures.add('a guest could not join with a fresh link', token, joined);
          break;
        }
        guestId = welcome.guestId;
      }
      const ids: T.TemplateIds = { ...T.PLACEHOLDER_IDS, ...session, guestId };
      const c = wsCase(r, [...T.guestToServer(ids), ...T.hostToServer(ids, r.int(0, 100))]);
      const out = await guest.exchange(c.data, c.binary);
      tally.wsMessages++;
      if (checkTransportRefusal(failures, c, out)) {
        count(`guest:${c.kind}:${classify(out)}`);
        continue;
      }
      const text = c.data as string;
      const parsed = parseGuestMessage(text);
      const outcome = classify(out);
      count(`guest:${parsed.ok ? parsed.value.type : 'malformed'}:${outcome}`);
      if (errorCode(out) === ErrorCode.RATE_LIMITED) continue;
      if (parsed.ok && parsed.value.type === 'signal') {
        if (outcome !== 'silent') failures.add(`a valid signal got ${outcome}`, text, out);
        else relayed++;
      } else if (outcome !== 'error+close') {
        // Malformed, or a second introduction (guest-join, guest-resume) on an admitted socket.
        failures.add(`a ${parsed.ok ? `second ${parsed.value.type}` : 'malformed guest message'} got ${outcome}`, text, out);
      } else if (!parsed.ok && errorCode(out) !== parsed.error.code) {
        failures.add('the error code differs from the protocol\'s', text, out);
      }
    }
    guest?.close();
    // The host heard the relayed signals, from the right guest, cleaned of anything extra.
    const heard = control.history.filter((m) => m.type === 'signal') as { from: string; data: Record<string, unknown> }[];
    control.close();
    expect(failures.list, `seed ${SEED}`).toEqual([]);
    expect(relayed).toBeGreaterThan(10);
    expect(heard.length).toBeGreaterThan(0);
    for (const s of heard) expect(Object.keys(s.data)).toHaveLength(1);
  });
});

/** Judges what a host socket got for one text message, by what the protocol's parser says of it. */
function checkHostOutcome(failures: Failures, text: string, parsed: Parsed<unknown>, out: Outcome, unanswered: Map<string, number>): void {
  const outcome = classify(out);
  const reply = out.messages.find((m) => m.type === 'reply') as { rid?: unknown; ok?: unknown; error?: { code?: unknown } } | undefined;
  if (!parsed.ok) {
    // A request with bad parameters may get a failed reply (the socket stays open); anything else is closed.
    const answered = outcome === 'reply-error' && parsed.error.code === ErrorCode.INVALID_PARAMS && reply?.rid === ridOf(text);
    if (outcome !== 'error+close' && !answered) failures.add(`a malformed host message got ${outcome}`, text, out);
    else if ((answered ? reply?.error?.code : errorCode(out)) !== parsed.error.code) failures.add('the error code differs from the protocol\'s', text, out);
    return;
  }
  const m = parsed.value as { type: string; rid?: number };
  switch (m.type) {
    case 'host-hello':
      if (outcome !== 'error+close') failures.add(`a second host-hello got ${outcome}`, text, out);
      return;
    case 'signal':
      if (outcome !== 'silent') failures.add(`a valid signal to an unknown guest got ${outcome}`, text, out);
      return;
    case 'create-link':
    case 'end-session':
      if (reply?.rid !== m.rid || reply?.ok !== true) failures.add(`a valid ${m.type} got no successful reply`, text, out);
      return;
    default:
      // remove-guest, set-public-link, invite-guest: a reply, successful or not (an unknown guest, a refused address…).
      if (outcome === 'silent') unanswered.set(m.type, (unanswered.get(m.type) ?? 0) + 1);
      else if (reply?.rid !== m.rid || (reply?.ok === false && !isErrorCode(reply.error?.code))) failures.add(`a valid ${m.type} got ${outcome}`, text, out);
  }
}

describe('fuzz: the HTTP API', () => {
  it('random requests: a proper status each time, a JSON error body for every error, nothing private served', async () => {
    const r = Random.for(SEED, 'http');
    const failures = new Failures();
    const replay = await createSession(true).catch(() => createSession());
    const ids = { sessionId: replay.sessionId, token: replay.hostToken };
    const cases = Array.from({ length: 2500 }, () => randomHttpCase(r, ids, origin));
    // Never finish or abandon the real replay with its real token: that would start rendering a video.
    for (const c of cases) {
      if (/\/(finish|abandon)$/.test(c.path.split('?')[0]!) && c.headers.Authorization?.includes(ids.token)) c.headers.Authorization = 'Bearer nope';
    }
    await pool(cases, 6, async (c) => {
      const res = await sendHttp(port, addresses.next(), c).catch((err: Error) => err);
      const label = `${c.method} ${c.path.slice(0, 120)}`;
      if (res instanceof Error) {
        // The server may drop a connection whose body it refused part-way (ERR_TOO_LARGE); never anything else.
        const big = (c.body?.length ?? 0) > 16 * 1024;
        count(`http:dropped${big ? '-big-body' : ''}`);
        if (!big) failures.add(`${label} failed at the network level`, c.body, res);
        return;
      }
      tally.httpRequests++;
      count(`http:${res.status}`);
      const answer = `${label} → ${res.status}`;
      if (res.status < 200 || res.status > 599) failures.add('an impossible status', answer, res.status);
      if (res.status >= 500 && res.status !== 501) failures.add('a server error', answer, res.body.toString().slice(0, 300));
      if (res.status >= 300 && res.status < 400 && !res.headers.location) failures.add('a redirect without Location', answer, res.headers);
      const text = res.body.toString('utf8');
      for (const secret of SECRETS) if (text.includes(secret)) failures.add(`served something private (${secret})`, answer, text.slice(0, 200));
      // Node's own answer to an `Expect` it does not know comes before any route; a page answers its form with a page.
      const nodeAnswer = res.status === 417 && c.headers.Expect !== undefined;
      const page = HTML_PAGES.includes(c.path.split('?')[0]!) && String(res.headers['content-type']).startsWith('text/html');
      if (res.status >= 400 && c.method !== 'HEAD' && !nodeAnswer && !page) {
        let body: { error?: { code?: unknown; message?: unknown } } | undefined;
        try {
          body = JSON.parse(text) as typeof body;
        } catch { /* judged below */ }
        if (!String(res.headers['content-type']).startsWith('application/json')) failures.add('an error that is not JSON', answer, res.headers['content-type']);
        else if (!body?.error || !isErrorCode(body.error.code) || typeof body.error.message !== 'string') {
          failures.add('an error body without a documented code and a message', answer, text.slice(0, 300));
        }
      }
    });
    expect(failures.list, `seed ${SEED}`).toEqual([]);
  });

  it('raw bytes and malformed HTTP on the port: an HTTP answer or a close, never a hang', async () => {
    const r = Random.for(SEED, 'raw');
    const failures = new Failures();
    const cases = Array.from({ length: 300 }, () => randomRawRequest(r, origin));
    await pool(cases, 8, async (bytes) => {
      const { response, closed } = await sendRaw(port, addresses.next(), bytes);
      tally.rawRequests++;
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(response.subarray(0, 12).toString('latin1'))?.[1];
      count(`raw:${status ?? (response.length === 0 ? 'closed' : 'odd')}`);
      if (response.length === 0 && !closed) failures.add('no answer and no close within 1 s', bytes, 'hang');
      if (response.length > 0 && !status) failures.add('an answer that is not HTTP', bytes, response.subarray(0, 80).toString('latin1'));
      if (status && Number(status) >= 500) failures.add('a server error', bytes, response.subarray(0, 300).toString('latin1'));
    });
    expect(failures.list, `seed ${SEED}`).toEqual([]);
  });
});

// Found by this suite: `new URL()` of a target like `//%` threw, uncaught in the upgrade handler (the server
// process stopped) and answered 500 by the router.
describe('fuzz: findings, one case each', () => {
  const upgrade = (target: string) => Buffer.from(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
    + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');

  it('an upgrade request whose target is not a URL is refused with a 4xx, and nothing is thrown', async () => {
    const before = crashes.total;
    const { response } = await sendRaw(port, addresses.next(), upgrade('//%'));
    expect(crashes.total - before, 'uncaught exceptions (under `npm start`, one stops the server)').toBe(0);
    expect(response.subarray(0, 10).toString('latin1')).toMatch(/^HTTP\/1\.1 4/);
  });

  it('a request whose target is not a URL gets a 4xx JSON error, not a 500', async () => {
    const res = await sendHttp(port, addresses.next(), { method: 'GET', path: '//%', headers: {}, body: null, contentLength: false });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(JSON.parse(res.body.toString()).error.code).not.toBe(ErrorCode.SERVER);
  });

  it('an invite for a guest name with a broken surrogate is sent, with the name cleaned (encodeURIComponent threw on it)', async () => {
    const host = await connectHost(await createSession());
    const invite = { guestName: 'Ann\uD800', guestEmail: 'ann@example.com', message: 'Hi \uDC00' };
    await host!.exchange(JSON.stringify({ type: 'invite-guest', rid: 7, invite }));
    expect(await host!.waitFor((m) => m.type === 'reply' && m.rid === 7, ANSWER_TIMEOUT_MS)).toMatchObject({ ok: true });
    host!.close();
  });

  // Node's parser refuses these before any route runs; its answer used to be a bare 400 with no body.
  it.each([
    ['a header value with a control character', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n', 400, ErrorCode.INVALID_PARAMS],
    ['headers past the parser limit', `OPTIONS /api/sessions HTTP/1.1\r\nHost: x\r\nX-A: ${'a'.repeat(20_000)}\r\n\r\n`, 431, ErrorCode.TOO_LARGE],
  ])('a request the HTTP parser refuses (%s) gets a JSON error', async (_what, raw, status, code) => {
    const { response } = await sendRaw(port, addresses.next(), Buffer.from(raw, 'latin1'));
    const text = response.toString('latin1');
    expect(text.slice(0, 12)).toBe(`HTTP/1.1 ${status}`);
    expect(text).toMatch(/\r\nContent-Type: application\/json/);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).error.code).toBe(code);
  });
});

describe('fuzz: afterwards', () => {
  it('the server is healthy and a full valid flow works: session, host-hello, create-link, guest-join', async () => {
    const health = await sendHttp(port, addresses.next(), { method: 'GET', path: '/healthz', headers: {}, body: null, contentLength: false });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body.toString())).toMatchObject({ ok: true });

    const session = await createSession();
    const host = await connectHost(session);
    expect(host).not.toBeNull();
    const token = await createLinkToken(host!);
    const guest = await Probe.open(port, addresses.next(), origin);
    const joined = await guest.exchange(JSON.stringify({ type: 'guest-join', v: PROTOCOL_VERSION, token, name: 'After the storm' }));
    expect(joined.messages[0]).toMatchObject({ type: 'joined', sessionId: session.sessionId });
    // The host hears of the guest (the exchange makes sure all sent before it has arrived).
    await host!.exchange(JSON.stringify({ type: 'signal', to: 'nobody1', data: { candidate: null } }));
    expect(host!.history.some((m) => m.type === 'guest-joined' && (m.guest as { name: string }).name === 'After the storm')).toBe(true);
    guest.close();
    host!.close();
  });

  it('nothing escaped: no unhandled rejection or uncaught exception, no handler failure in the log', () => {
    expect(crashes.samples.slice(0, 5)).toEqual([]);
    expect(crashes.total).toBe(0);
    const failed = logs.filter((l) => / failed: |handler failed|cleanup failed/.test(l)).map((l) => l.slice(0, 600));
    expect(failed.slice(0, 5)).toEqual([]);
  });
});
