// HTTPS and WSS served by the server itself (CWMN_TLS_CERT / CWMN_TLS_KEY):
// refusals at start that name the variable, pages and the signaling socket
// over TLS, and a new certificate taken on SIGHUP by the running process.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseServerToHost, PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { readTlsPair } from '../../signaling/http/tls.js';
import { CaptureBrowser, RENDER_PAGE_PATH } from '../../signaling/replay/capture.js';
import { startProcess, stopProcesses, waitFor } from './support/process.js';
import { startTestServer, stopServers, tempDir } from './support/server.js';
import { TestSocket } from './support/socket.js';
import { httpsJson, makeCertificate, servedFingerprint, type TestCertificate } from './support/tls.js';

afterEach(stopServers);

/** Creates a session over HTTPS and says host-hello on a WSS socket; resolves with the open socket after `welcome`. */
async function helloOverTls(baseUrl: string, cert: TestCertificate): Promise<TestSocket<any>> {
  const origin = new URL(baseUrl).origin;
  const created = await httpsJson(`${baseUrl}/api/sessions`, cert.cert, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: origin },
    body: JSON.stringify({ hostName: 'Ada', hostEmail: 'ada@example.com', isReplay: false }),
  });
  expect(created.status).toBe(201);
  const ws = new WebSocket(`${baseUrl.replace(/^https:/, 'wss:')}/ws`, { ca: cert.cert, headers: { Origin: origin } });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const socket = new TestSocket(ws, parseServerToHost);
  socket.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: created.body.session.sessionId, hostToken: created.body.hostToken });
  const welcome = await socket.expect('welcome');
  expect(welcome.session.sessionId).toBe(created.body.session.sessionId);
  return socket;
}

async function startError(tls: { certFile: string; keyFile: string }): Promise<string> {
  const started = await startTestServer({ tls }).then(() => null, (err: Error & { code?: string }) => err);
  if (!started) throw new Error('the server started');
  expect(started.code).toBe('ERR_INVALID_PARAMS');
  return started.message;
}

describe('TLS at start', () => {
  it('refuses a certificate or key that cannot be read, is not PEM, or does not belong to the other, naming the variable', async () => {
    const dir = tempDir('cwmn-tls-');
    const a = makeCertificate(dir, 'a');
    const b = makeCertificate(dir, 'b');
    const garbage = path.join(dir, 'garbage.pem');
    fs.writeFileSync(garbage, 'not a certificate\n');
    const brokenPem = path.join(dir, 'broken.pem');
    fs.writeFileSync(brokenPem, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');

    expect(await startError({ certFile: path.join(dir, 'missing.pem'), keyFile: a.keyFile })).toMatch(/^CWMN_TLS_CERT: cannot read .*missing\.pem \(ENOENT\)/);
    expect(await startError({ certFile: a.certFile, keyFile: path.join(dir, 'missing.pem') })).toMatch(/^CWMN_TLS_KEY: cannot read/);
    expect(await startError({ certFile: garbage, keyFile: a.keyFile })).toMatch(/^CWMN_TLS_CERT: .* is not a PEM file/);
    expect(await startError({ certFile: brokenPem, keyFile: a.keyFile })).toMatch(/^CWMN_TLS_CERT: .* holds no valid certificate/);
    expect(await startError({ certFile: a.certFile, keyFile: a.certFile })).toMatch(/^CWMN_TLS_KEY: .* holds no usable private key/);
    expect(await startError({ certFile: a.certFile, keyFile: b.keyFile })).toMatch(/^CWMN_TLS_KEY: .* is not the key of the certificate in CWMN_TLS_CERT/);
  });

  it('serves pages over HTTPS and the signaling socket over WSS; links start with https', async () => {
    const cert = makeCertificate(tempDir('cwmn-tls-'), 'a');
    const server = await startTestServer({ tls: { certFile: cert.certFile, keyFile: cert.keyFile } });
    expect(server.url).toBe(`https://127.0.0.1:${server.port}`);
    const health = await httpsJson(`${server.url}/healthz`, cert.cert);
    expect(health.status).toBe(200);
    expect(await servedFingerprint(server.port)).toBe(cert.fingerprint256);
    const host = await helloOverTls(server.url, cert);
    const rid = 1;
    host.send({ type: 'create-link', rid });
    const reply = await host.expect('reply');
    expect(reply).toMatchObject({ rid, ok: true });
    expect((reply as { result: { url: string } }).result.url).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:${server.port}/`));
    // Plain HTTP on the TLS port is not served.
    const plain = await fetch(`http://127.0.0.1:${server.port}/healthz`).then((r) => r.status, () => 'refused');
    expect(plain).not.toBe(200);
    host.close();
  });
});

describe('TLS and the replay renderer', () => {
  it("opens the render page over https when given the key of the server's certificate, and only then", async () => {
    // Chromium does not trust the certificate (self-signed here; in production, one for the public name does not match
    // the bound address the renderer reaches): only its key, given to the renderer, makes the page load.
    const dir = tempDir('cwmn-tls-');
    const cert = makeCertificate(dir, 'public-name');
    const server = await startTestServer({ tls: { certFile: cert.certFile, keyFile: cert.keyFile } });
    const pageUrl = `https://127.0.0.1:${server.port}${RENDER_PAGE_PATH}`;
    const options = { chromiumPath: server.config.chromiumPath, pageUrl, origins: [], frame: { width: 320, height: 240 } };
    const refused = await CaptureBrowser.open(options).then((b) => b.close().then(() => 'opened'), (err: Error) => err.message);
    expect(refused).toMatch(/ERR_CERT/);
    const browser = await CaptureBrowser.open({ ...options, pageKey: readTlsPair({ certFile: cert.certFile, keyFile: cert.keyFile }).spkiSha256 });
    await browser.close();
  });
});

afterEach(stopProcesses);

describe('TLS on SIGHUP', () => {
  it('takes the new certificate for new connections, keeps open ones, and keeps the old pair when the new files are bad', async () => {
    const dir = tempDir('cwmn-tls-');
    const first = makeCertificate(dir, 'first');
    const second = makeCertificate(dir, 'second');
    const certFile = path.join(dir, 'server.cert.pem');
    const keyFile = path.join(dir, 'server.key.pem');
    fs.copyFileSync(first.certFile, certFile);
    fs.copyFileSync(first.keyFile, keyFile);
    const server = await startProcess({ CWMN_TLS_CERT: certFile, CWMN_TLS_KEY: keyFile });
    const base = `https://127.0.0.1:${server.port}`;
    expect(await servedFingerprint(server.port)).toBe(first.fingerprint256);
    const before = await helloOverTls(base, first);

    fs.copyFileSync(second.certFile, certFile);
    fs.copyFileSync(second.keyFile, keyFile);
    server.child.kill('SIGHUP');
    await waitFor(async () => ((await servedFingerprint(server.port)) === second.fingerprint256 ? true : undefined), server.output);
    expect(server.output()).toContain(`tls: reloaded, certificate ${second.fingerprint256}`);
    const after = await helloOverTls(base, second);
    expect(before.ws.readyState).toBe(WebSocket.OPEN); // The reload dropped no connection.

    // A half-written pair (the new certificate, the old key) is refused: the second pair stays in use.
    fs.copyFileSync(first.certFile, certFile);
    server.child.kill('SIGHUP');
    await waitFor(() => (server.output().includes('tls: reload refused') ? true : undefined), server.output);
    expect(server.output()).toMatch(/tls: reload refused, keeping the certificate in use: CWMN_TLS_KEY: .* is not the key of the certificate in CWMN_TLS_CERT/);
    expect(await servedFingerprint(server.port)).toBe(second.fingerprint256);
    expect(server.child.exitCode).toBeNull();

    before.close();
    after.close();
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses to start, naming the variable, when the certificate cannot be read', async () => {
    const dir = tempDir('cwmn-tls-');
    const cert = makeCertificate(dir, 'a');
    await expect(startProcess({ CWMN_TLS_CERT: path.join(dir, 'nope.pem'), CWMN_TLS_KEY: cert.keyFile }))
      .rejects.toThrow(/cwmn server failed to start: CWMN_TLS_CERT: cannot read .*nope\.pem/);
  });
});
