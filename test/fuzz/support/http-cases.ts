// HTTP cases for the server fuzz: methods, paths (API routes, pages, path
// traversal), headers, bodies (JSON, garbage, too big, gzip bombs), and raw
// bytes for the HTTP parser itself.

import { gzipSync } from 'node:zlib';
import { deepJsonText, mutate, randomJson, randomString, randomText, type JsonValue } from './generators.js';
import type { HttpCase } from './probe.js';
import type { Random } from './random.js';

/** Text that must never be served: files outside the served folders, and the server's state. */
export const SECRETS = ['root:x:0:', '"devDependencies"', 'repositoryformatversion', '"hostTokenHash"', 'PRIVATE KEY'];

/** Pages (not API routes) that answer a form with HTML, errors included. */
export const HTML_PAGES = ['/join', '/outbox'];

const TRAVERSALS = [
  '../package.json', '..%2fpackage.json', '%2e%2e/%2e%2e/package.json', '%2e%2e%2f%2e%2e%2fpackage.json', '..%252f..%252fpackage.json',
  '....//....//etc/passwd', '%2e%2e%5c%2e%2e%5cpackage.json', '..%00/package.json', '.git/config', '%2egit/config', '.env',
  '..;/package.json', '%c0%ae%c0%ae/%c0%ae%c0%ae/package.json', 'a/../../package.json', '..%2f..%2f..%2f..%2fetc%2fpasswd',
  '%2F..%2F..%2Fetc%2Fpasswd', '.%2e/.%2e/package.json', 'viewer.js%00.html', '..\\..\\package.json', 'x/..%2f..%2f..%2fdata%2fstate.json',
];

/** Percent-encodes any string (a lone surrogate becomes '?'). */
function enc(s: string): string {
  return encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '?'));
}

/** A header value Node will send: printable Latin-1, no CR or LF. */
export function headerValue(r: Random): string {
  return randomString(r, 200).replace(/[^\x20-\x7e\xa0-\xff]/g, '');
}

let bomb: Buffer | undefined;
/** 80 MiB of spaces, gzipped to about 80 KiB. */
function gzipBomb(): Buffer {
  bomb ??= gzipSync(Buffer.alloc(80 * 1024 * 1024, 0x20));
  return bomb;
}

/** Ids of real things the requests may name. */
export interface HttpIds {
  sessionId: string;
  token: string;
}

function randomPath(r: Random, ids: HttpIds): string {
  const segment = () => r.weighted<() => string>([
    [3, () => enc(randomString(r, 20))],
    [2, () => r.pick(['a', 'index.html', 'viewer.js', 'viewer.css', 'x.mp4', '', '.', '..', '%2e', '%00', '%ff', '%', '%zz', '~', '*'])],
    [1, () => 'a'.repeat(r.int(100, 5000))],
  ])();
  const base = r.weighted<() => string>([
    [3, () => r.pick(['/healthz', '/api/domain', '/api/sessions', '/clickwithmenow-api.js', '/', '/demo', '/demo/', '/viewer/viewer.js',
      '/viewer/', '/ws', '/outbox', '/join', '/api/ith', '/api/ith/claim', '/api/join', '/replay-render/', '/favicon.ico',
      '/api/handoff', '/viewer/mirror.js'])],
    [1, () => `/api/sessions/${r.pick([ids.sessionId, enc(randomString(r, 10)), 'a'.repeat(65)])}/handoff`],
    [2, () => `/api/replays/${r.pick([ids.sessionId, enc(randomString(r, 10)), 'a'.repeat(65)])}/${r.pick(['events', 'audio', 'finish', 'status', 'send', 'abandon', 'nope'])}`],
    [1, () => `/replays/${r.pick([ids.token, 'A'.repeat(16), enc(randomString(r, 20))])}.mp4`],
    [2, () => `/s/${r.pick([ids.token, enc(randomString(r, 40)), '', '%2e%2e'])}`],
    [4, () => `/${r.pick(['viewer', 'demo', 'replay-render', 's', 'api'])}/${r.pick(TRAVERSALS)}`],
    [2, () => `/${Array.from({ length: r.int(1, 6) }, segment).join('/')}`],
    [1, () => `//${r.pick(['evil.example', '127.0.0.1'])}/${segment()}`],
  ])();
  if (!r.chance(0.3)) return base;
  const names = ['origin', 'name', 'segment', 'chunk', 'mime', 'x', randomString(r, 8)];
  return `${base}?${Array.from({ length: r.int(1, 4) }, () => `${enc(r.pick(names))}=${enc(randomString(r, 40))}`).join('&')}`;
}

/** Bodies shaped like the API's, before mutation. */
const BODY_TEMPLATES: JsonValue[] = [
  { hostName: 'Ada', hostEmail: 'ada@example.com', isReplay: false },
  { hostName: 'Ada', hostEmail: '', isReplay: true },
  { events: [{ type: 2, data: {}, timestamp: 1 }], startedAt: 1 },
  { endedAt: 1 },
  { toEmails: 'a@b.co', subject: 'x' },
  { token: 'A'.repeat(32) },
  { hostToken: 'A'.repeat(32) },
  { code: 'ABC234' },
  { hostName: 'Ada', hostEmail: 'ada@example.com', inviteName: 'Ivy', inviteEmail: 'ivy@example.com', message: '', url: 'http://127.0.0.1/', ithJoinCode: true },
];

/** One random request; `origin` is the server's own. */
export function randomHttpCase(r: Random, ids: HttpIds, origin: string): HttpCase {
  const method = r.weighted<string>([[5, 'GET'], [6, 'POST'], [2, 'OPTIONS'], [2, 'HEAD'], [1, 'PUT'], [1, 'DELETE'], [1, 'PATCH'], [1, 'PROPFIND'], [1, 'TRACE']]);
  const headers: Record<string, string> = {};
  if (r.chance(0.8)) {
    headers['Content-Type'] = r.pick(['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x', 'application/json; charset=utf-16', headerValue(r)]);
  }
  if (r.chance(0.7)) headers.Origin = r.pick([origin, origin, 'http://allowed.example', 'null', 'http://evil.example', 'https://127.0.0.1', headerValue(r)]);
  if (r.chance(0.3)) headers.Authorization = r.pick([`Bearer ${ids.token}`, 'Bearer ', `Bearer ${'A'.repeat(32)}`, `Basic ${headerValue(r)}`, headerValue(r)]);
  if (r.chance(0.1)) headers['Content-Encoding'] = r.pick(['gzip', 'deflate', 'br', 'identity', 'gzip, gzip', headerValue(r)]);
  if (r.chance(0.1)) headers.Range = r.pick(['bytes=0-10', 'bytes=-5', 'bytes=100-1', 'bytes=0-0,5-6', 'items=1-2', headerValue(r)]);
  if (r.chance(0.1)) headers['If-None-Match'] = r.pick(['*', 'W/"1-1"', headerValue(r)]);
  if (r.chance(0.1)) headers.Referer = r.pick([`${origin}/demo/`, headerValue(r)]);
  if (r.chance(0.1)) headers[r.pick(['X-Forwarded-For', 'X-Real-IP', 'Accept', 'Cookie', 'Expect'])] = headerValue(r);
  const hasBody = method === 'GET' || method === 'HEAD' ? r.chance(0.05) : !r.chance(0.1);
  const body = !hasBody ? null : r.weighted<() => Buffer>([
    [3, () => Buffer.from(JSON.stringify(randomJson(r)))],
    [5, () => Buffer.from(JSON.stringify(mutate(r, r.pick(BODY_TEMPLATES))))],
    [2, () => Buffer.from(r.bytes(r.length(2000)))],
    [1, () => Buffer.from(randomText(r))],
    [1, () => Buffer.from(deepJsonText(r, r.int(100, 20_000)))],
    [1, () => Buffer.alloc(r.pick([16 * 1024 + 1, 100_000, 2 * 1024 * 1024 + 1]), 0x7b)],
    [1, () => {
      headers['Content-Encoding'] = 'gzip';
      return gzipSync(Buffer.from(JSON.stringify(randomJson(r))));
    }],
    [1, () => {
      headers['Content-Encoding'] = 'gzip';
      return gzipBomb();
    }],
  ])();
  // Node's client sends no chunked framing for a body on GET, HEAD, DELETE, OPTIONS or TRACE: those get a length.
  const framedByDefault = !['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE'].includes(method);
  return { method, path: randomPath(r, ids), headers, body, contentLength: !framedByDefault || r.chance(0.8) };
}

/** Raw bytes for the HTTP port: garbage, broken request lines and headers, odd upgrades, bad framing, huge heads. */
export function randomRawRequest(r: Random, origin: string): Buffer {
  const header = () => `${r.pick(['Host', 'Content-Length', 'Transfer-Encoding', 'Upgrade', 'Connection', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version', randomString(r, 10)])}: ${randomString(r, 40)}`;
  return r.weighted<() => Buffer>([
    [3, () => Buffer.from(r.bytes(r.length(500)))],
    [2, () => Buffer.from(`${r.pick(['GET', 'POST', 'FOO', 'G ET', ''])} ${r.pick(['/healthz', '/', '*', 'http://x/', '/\u0000', '/ws'])} `
      + `HTTP/${r.pick(['1.1', '1.0', '2.0', '9', 'x'])}\r\n${Array.from({ length: r.int(0, 5) }, header).join('\r\n')}\r\n\r\n${randomText(r, 100)}`)],
    [2, () => Buffer.from(`GET ${r.pick(['/ws', '/ws', '/nope', '//ws', '//%', '//[', '//x:99999/ws', '/ws?%', '/%zz'])} HTTP/1.1\r\nHost: 127.0.0.1\r\n`
      + `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${r.pick(['dGhlIHNhbXBsZSBub25jZQ==', '', 'short', randomString(r, 30)])}\r\n`
      + `Sec-WebSocket-Version: ${r.pick(['13', '8', '', 'x'])}\r\n${r.chance(0.5) ? `Origin: ${origin}\r\n` : ''}\r\n`)],
    [1, () => Buffer.from(`POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: ${r.pick(['10', '-1', '99999999999', 'abc', '5, 6'])}\r\n`
      + `Transfer-Encoding: ${r.pick(['chunked', 'gzip', 'chunked, chunked'])}\r\n\r\n${r.pick(['0\r\n\r\n', 'zz\r\n', '5\r\n{"a":\r\n0\r\n\r\n', ''])}`)],
    [1, () => Buffer.from(`GET /${'a'.repeat(r.int(10_000, 100_000))} HTTP/1.1\r\nHost: x\r\n\r\n`)],
    [1, () => Buffer.from(`GET / HTTP/1.1\r\n${'X-A: b\r\n'.repeat(r.int(100, 3000))}\r\n`)],
  ])();
}
