// End-to-end harness: the real server, a second origin serving host pages,
// and headless Chromium (Debian's) driven by playwright-core.

import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig } from '../../signaling/config.js';
import { startServer, type RunningServer } from '../../signaling/server.js';

export const ROOT = new URL('../..', import.meta.url).pathname;
const FIXTURES = join(ROOT, 'test/e2e/fixtures');

/** Chromium flags for tests only: loopback ICE without mDNS, fake media devices. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-sync',
  '--disable-background-networking', '--disable-component-update',
  '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CWMN_CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export interface Cwmn {
  server: RunningServer;
  dataDir: string;
  close(): Promise<void>;
}

/** Starts the real server on a random port with a fresh data directory. */
export async function startCwmn(env: Record<string, string> = {}): Promise<Cwmn> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cwmn-e2e-'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', CWMN_DATA_DIR: dataDir, ...env }, ROOT);
  const server = await startServer({ ...config, log: () => {} });
  return {
    server,
    dataDir,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Serves `test/e2e/fixtures` from another origin, with `{{SERVER}}` replaced by the cwmn URL. */
export async function startSite(serverUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const http: Server = createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0]!.replace(/^\/+/, '') || 'host.html';
    if (!/^[a-z0-9-]+\.html$/.test(name)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const html = readFileSync(join(FIXTURES, name), 'utf8').replaceAll('{{SERVER}}', serverUrl);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => http.close(() => r())),
  };
}

/** Opens a host page and records every CwmnAPI event into `window.__events`. */
export async function openHost(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.CwmnAPI?.getCurrentState() === 'no session');
  return page;
}

/** Waits until the viewer shows a status (`<body data-state>`). */
export async function waitForViewerState(page: Page, state: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction((s) => document.body.dataset.state === s, state, { timeout });
}

/** Text of the mirrored page (inside the viewer's iframe). */
export function mirrorText(page: Page): Promise<string> {
  return page.evaluate(() => document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')?.contentDocument?.body?.textContent ?? '');
}
