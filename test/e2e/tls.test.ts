// A server that speaks HTTPS itself (CWMN_TLS_CERT / CWMN_TLS_KEY) gives pages a
// secure context on a name that is not loopback: the demo's host page starts a
// session there and a guest goes live through the invite link, all over https/wss.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../signaling/config.js';
import { startServer, type RunningServer } from '../../signaling/server.js';
import { makeCertificate } from '../integration/support/tls.js';
import { closedPort } from '../integration/support/webhook.js';
import { CHROMIUM_ARGS, ROOT, waitForViewerState } from './harness.js';

/** A name that is not loopback (so only TLS makes its pages secure), resolved to 127.0.0.1 by Chromium. */
const NAME = 'cwmn.test';


describe('the server over TLS in a browser', () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cwmn-e2e-tls-'));
    const cert = makeCertificate(dir, 'server');
    const port = await closedPort();
    const config = loadConfig({
      PORT: String(port), HOST: '127.0.0.1', CWMN_STUN_PORT: '0', CWMN_DATA_DIR: join(dir, 'data'),
      CWMN_PUBLIC_URL: `https://${NAME}:${port}`, CWMN_TLS_CERT: cert.certFile, CWMN_TLS_KEY: cert.keyFile,
    }, ROOT);
    server = await startServer({ ...config, log: () => {} });
    browser = await chromium.launch({
      executablePath: process.env.CWMN_CHROMIUM_PATH ?? '/usr/bin/chromium',
      // Test only: the certificate is self-signed, and the test's name resolves to loopback.
      args: [...CHROMIUM_ARGS, '--ignore-certificate-errors', `--host-resolver-rules=MAP ${NAME} 127.0.0.1`],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('hosts from an https page and a guest goes live', async () => {
    const host = await (await browser.newContext()).newPage();
    await host.goto(`${server.url}/demo/`);
    await host.waitForFunction(() => window.CwmnAPI?.getCurrentState() === 'no session');
    expect(await host.evaluate(() => [location.protocol, window.isSecureContext, window.CwmnAPI!.isCompatible()])).toEqual(['https:', true, true]);
    await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'Ada', hostEmail: 'ada@example.com', isReplay: false }));
    const link = await host.evaluate(() => window.CwmnAPI!.guest.getInviteLink());
    expect(link.startsWith(`https://${NAME}:`)).toBe(true);

    const guest = await (await browser.newContext()).newPage();
    await guest.goto(link);
    await waitForViewerState(guest, 'live');
    await host.waitForFunction(() => window.CwmnAPI!.guest.getGuestList().length === 1);
  });
});
