// End-to-end harness: the real server, a second origin serving host pages,
// and headless Chromium (Debian's) driven by playwright-core.

import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
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
export async function startCwmn(
  env: Record<string, string> = {}, audit?: (text: string) => void, auditBytes?: (bytes: Uint8Array) => void,
): Promise<Cwmn> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cwmn-e2e-'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', CWMN_DATA_DIR: dataDir, ...env }, ROOT);
  const server = await startServer({ ...config, log: () => {}, audit, auditBytes });
  return {
    server,
    dataDir,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The built server in its own process (`dist/server/main.js`), so a test can kill it for real. */
export interface CwmnProcess {
  url: string;
  /** Process id of the running server (undefined while it is not running). */
  readonly pid: number | undefined;
  /** SIGKILL: no clean shutdown, nothing flushed. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startCwmnProcess(env: Record<string, string> = {}): Promise<CwmnProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cwmn-e2e-proc-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(process.execPath, [join(ROOT, 'dist/server/main.js')], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', CWMN_DATA_DIR: dataDir, CWMN_ROOT: ROOT, ...env },
      stdio: 'ignore',
    });
    for (let i = 0; i < 100; i++) {
      if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the server process did not start');
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url,
    get pid() {
      return child?.exitCode === null ? child.pid : undefined;
    },
    kill,
    restart: start,
    async close() {
      await kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A port free on TCP and on UDP: the server's built-in STUN server takes the same number on UDP. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const probe = createNetServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const probe = createSocket('udp4');
      probe.once('error', () => probe.close(() => resolve(false)));
      probe.bind(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}

/**
 * Serves `test/e2e/fixtures` from another origin, with `{{SERVER}}` replaced by the cwmn URL,
 * on `host` (default 127.0.0.1; the network tests use their public segment's address).
 */
export async function startSite(serverUrl: string, host = '127.0.0.1'): Promise<{ url: string; close(): Promise<void> }> {
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
  await new Promise<void>((r) => http.listen(0, host, r));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise((r) => http.close(() => r())),
  };
}

/**
 * Test-only instrumentation: keeps a reference to the host overlay's closed
 * shadow root as `window.__overlayRoot`, so tests can see the pointers drawn.
 */
function exposeOverlayRoot(): void {
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (this: Element, init: ShadowRootInit) {
    const root = attach.call(this, init);
    if (this.tagName === 'CWMN-OVERLAY') (window as unknown as { __overlayRoot: ShadowRoot }).__overlayRoot = root;
    return root;
  };
}

/** Labels of the guest pointers drawn on the host page. */
export function hostPointerLabels(page: Page): Promise<string[]> {
  return page.evaluate(() => [...((window as unknown as { __overlayRoot?: ShadowRoot }).__overlayRoot?.querySelectorAll('.cwmn-pointer span') ?? [])]
    .map((s) => s.textContent ?? ''));
}

/** Labels of the pointers drawn over the mirror in a viewer (the host's and other guests'). */
export function viewerPointerLabels(page: Page): Promise<string[]> {
  return page.evaluate(() => [...document.querySelectorAll('#cwmn-layer .cwmn-pointer span')].map((s) => s.textContent ?? ''));
}

/** Opens a host page and records every CwmnAPI event into `window.__events`. */
export async function openHost(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.addInitScript(exposeOverlayRoot);
  await page.goto(url);
  await page.waitForFunction(() => window.CwmnAPI?.getCurrentState() === 'no session');
  return page;
}

/** Test-only instrumentation: keeps every RTCPeerConnection of a page in `window.__pcs`. */
export function keepPeerConnections(): void {
  const Original = window.RTCPeerConnection;
  const pcs: RTCPeerConnection[] = [];
  (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = pcs;
  window.RTCPeerConnection = class extends Original {
    constructor(config?: RTCConfiguration) {
      super(config);
      pcs.push(this);
    }
  } as typeof RTCPeerConnection;
}

/** Waits until the viewer shows a status (`<body data-state>`). */
export async function waitForViewerState(page: Page, state: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction((s) => document.body.dataset.state === s, state, { timeout });
}

/** Where the center of the host page's element `#id` is drawn in the viewer's window (client coordinates). */
export function mirrorCenter(page: Page, id: string): Promise<{ x: number; y: number }> {
  return page.evaluate((elementId) => {
    const frame = document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!;
    const r = frame.contentDocument!.getElementById(elementId)!.getBoundingClientRect();
    const f = frame.getBoundingClientRect();
    const scale = f.width / frame.offsetWidth;
    return { x: f.left + (r.left + r.width / 2) * scale, y: f.top + (r.top + r.height / 2) * scale };
  }, id);
}

/** Text of the mirrored page (inside the viewer's iframe). */
export function mirrorText(page: Page): Promise<string> {
  return page.evaluate(() => document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')?.contentDocument?.body?.textContent ?? '');
}
