// Static serving: the embed, the viewer and its invite page, the demo site.
// Uses a fixture root so the tests do not depend on a build.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from './support/http.js';
import { startTestServer, stopServers, tempDir, type TestServer } from './support/server.js';

afterEach(stopServers);

const EMBED = 'window.CwmnAPI = {};\n';
const VIEWER_HTML = '<!doctype html><title>viewer</title>';

/** A root dir with a built embed and viewer, a demo, and a secret beside them. */
function fixtureRoot(): string {
  const root = tempDir('cwmn-root-');
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  write('dist/embed/clickwithmenow-api.js', EMBED);
  write('dist/viewer/index.html', VIEWER_HTML);
  write('dist/viewer/viewer.js', 'console.log(1);');
  write('dist/viewer/mirror.js', 'export const Mirror = 1;');
  write('dist/viewer/viewer.css', 'body{}');
  write('demo/index.html', '<!doctype html><title>demo</title>');
  write('demo/shop/index.html', '<!doctype html><title>shop</title>');
  write('demo/logo.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>');
  write('demo/.env', 'SECRET=1');
  write('secret.txt', 'top secret');
  fs.symlinkSync(path.join(root, 'secret.txt'), path.join(root, 'demo', 'link.txt'));
  return root;
}

async function text(server: TestServer, p: string, init: RequestInit = {}) {
  const res = await fetch(server.httpUrl + p, { redirect: 'manual', ...init });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** A GET with the path sent exactly as written (fetch would normalize `..`). */
function rawGet(server: TestServer, rawPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the embed script', () => {
  it('is served to every origin, uncached-without-revalidation', async () => {
    const server = await startTestServer({ rootDir: fixtureRoot() });
    const res = await text(server, '/clickwithmenow-api.js', { headers: { Origin: 'https://any.example' } });
    expect(res.status).toBe(200);
    expect(res.body).toBe(EMBED);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const etag = res.headers.get('etag') ?? '';
    expect((await text(server, '/clickwithmenow-api.js', { headers: { 'If-None-Match': etag } })).status).toBe(304);
  });

  it('is sent gzip-compressed to clients that accept it', async () => {
    const root = fixtureRoot();
    const big = `/* ${'x'.repeat(4000)} */ window.CwmnAPI = {};`;
    fs.writeFileSync(path.join(root, 'dist/embed/clickwithmenow-api.js'), big);
    const server = await startTestServer({ rootDir: root });
    const { headers, body } = await new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      http.get(`${server.url}/clickwithmenow-api.js`, { headers: { 'Accept-Encoding': 'gzip, br' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
    expect(headers['content-encoding']).toBe('gzip');
    expect(headers.vary).toContain('Accept-Encoding');
    expect(body.length).toBeLessThan(big.length / 10);
    expect(gunzipSync(body).toString()).toBe(big);
  });

  it('answers 503 with a readable text when not built', async () => {
    const server = await startTestServer({ rootDir: tempDir('cwmn-empty-') });
    const res = await text(server, '/clickwithmenow-api.js');
    expect(res.status).toBe(503);
    expect(res.body).toMatch(/not built yet/);
    expect((await text(server, '/s/abc')).status).toBe(503);
  });
});

describe('the viewer', () => {
  it('serves its two scripts under /viewer/ as JavaScript (module scripts need the type)', async () => {
    const server = await startTestServer({ rootDir: fixtureRoot() });
    for (const file of ['viewer.js', 'mirror.js']) {
      const js = await text(server, `/viewer/${file}`);
      expect(js.status, file).toBe(200);
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect((await text(server, '/viewer/viewer.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await text(server, '/viewer/missing.js')).status).toBe(404);
  });

  it('serves the invite page for any token with a strict CSP', async () => {
    const server = await startTestServer({ rootDir: fixtureRoot() });
    for (const token of ['abc', 'x'.repeat(32), '%3Cscript%3E']) {
      const res = await text(server, `/s/${token}?name=Bea`);
      expect(res.status).toBe(200);
      expect(res.body).toBe(VIEWER_HTML);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self' 'unsafe-inline' *");
      expect(csp).toContain('img-src * data: blob:');
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect((await text(server, '/s/')).status).toBe(404);
    expect((await text(server, '/s/a/b')).status).toBe(404);
  });
});

describe('the demo', () => {
  it('redirects / and /demo, serves directory indexes and content types', async () => {
    const server = await startTestServer({ rootDir: fixtureRoot() });
    const root = await text(server, '/');
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/demo/');
    const demo = await text(server, '/demo');
    expect(demo.status).toBe(301);
    expect(demo.headers.get('location')).toBe('/demo/');
    expect((await text(server, '/demo/')).body).toContain('<title>demo</title>');
    const shop = await text(server, '/demo/shop?x=1');
    expect(shop.status).toBe(301);
    expect(shop.headers.get('location')).toBe('/demo/shop/?x=1');
    expect((await text(server, '/demo/shop/')).body).toContain('<title>shop</title>');
    expect((await text(server, '/demo/logo.svg')).headers.get('content-type')).toBe('image/svg+xml');
  });

  it('never serves a file outside its directory, nor a hidden file', async () => {
    const server = await startTestServer({ rootDir: fixtureRoot() });
    for (const p of ['/demo/../secret.txt', '/demo/%2e%2e/secret.txt', '/demo/..%2fsecret.txt', '/demo/%2e%2e%2fsecret.txt',
      '/demo/..%5csecret.txt', '/demo/.env', '/demo/%2eenv', '/demo/%00', '/demo/%E0%A4%A', '/demo/link.txt', '/viewer/../../secret.txt']) {
      const res = await rawGet(server, p);
      expect(res.status, p).toBe(404);
      expect(res.body).not.toContain('top secret');
      expect(res.body).not.toContain('SECRET=1');
    }
  });

  it('answers HEAD like GET without a body', async () => {
    const server = await startTestServer({ rootDir: fixtureRoot() });
    const res = await text(server, '/demo/', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    expect(res.headers.get('content-length')).toBe(String('<!doctype html><title>demo</title>'.length));
  });
});
