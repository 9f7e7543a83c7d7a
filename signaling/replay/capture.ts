// The browser side of a render: headless Chromium (its own fresh profile, no
// credentials) opens the server's render page, gets the events through the
// page API, and is seeked frame by frame for screenshots. Every request is
// checked: only the render page itself and, for images, styles, fonts and
// media, the recorded site's origins go out; everything else is aborted.

import { chromium, type Browser, type BrowserContext, type CDPSession, type Page, type Request } from 'playwright-core';
import type { FrameSize, RenderPageApi } from '../../src/replay-render/api.js';
import type { ReplayEvent } from '../../src/protocol/index.js';

/** Chromium flags of the renderer: headless, isolated, quiet, deterministic. */
export const RENDER_CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--no-first-run', '--disable-sync', '--disable-quic', '--dns-prefetch-disable', '--hide-scrollbars',
  '--mute-audio', '--font-render-hinting=none', '--disable-extensions', '--disable-default-apps',
];

/** Path of the render page on the server. */
export const RENDER_PAGE_PATH = '/replay-render/';
/** Resource types the replayed page may fetch from the recorded origins. */
const SUBRESOURCE_TYPES = new Set(['image', 'stylesheet', 'font', 'media']);
/** Paths of the server that a page recorded on the server's own origin (the demo) may still not fetch. */
const SERVER_PRIVATE_PATHS = /^\/(api|replays|outbox|ws|s)(\/|\.|$)/;
/** Events handed to the page per `page.evaluate` call (keeps each message a few MB). */
const EVENTS_PER_CALL = 2000;
/** JPEG quality of the frames. */
const JPEG_QUALITY = 90;

/** Where the browser goes and what it may fetch. */
export interface CaptureOptions {
  chromiumPath: string;
  /** Absolute URL of the render page (on the server). */
  pageUrl: string;
  /**
   * Base64 SHA-256 of the public key of the server's TLS certificate, which Chromium then accepts for that key alone
   * (the render page is reached at the bound address, which the certificate need not name); null: no such exception.
   */
  pageKey?: string | null;
  /** Origins of the recorded site. */
  origins: readonly string[];
  frame: FrameSize;
}

/** Decides whether the render browser may make a request. */
export function mayFetch(url: string, method: string, resourceType: string, pageUrl: string, origins: ReadonlySet<string>): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (target.protocol === 'data:' || target.protocol === 'blob:') return true;
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return false;
  const page = new URL(pageUrl);
  if (method !== 'GET') return false;
  if (target.origin === page.origin) {
    if (target.pathname.startsWith(page.pathname)) return true;
    if (SERVER_PRIVATE_PATHS.test(target.pathname)) return false;
  }
  return origins.has(target.origin) && SUBRESOURCE_TYPES.has(resourceType);
}

/** One browser with the render page loaded. */
export class CaptureBrowser {
  private inflight = 0;
  private readonly idleWaiters = new Set<() => void>();
  /** Requests refused by the filter (reported in logs and tests). */
  readonly refused: string[] = [];

  private constructor(
    private readonly browser: Browser,
    private readonly context: BrowserContext,
    private readonly page: Page,
    private readonly cdp: CDPSession,
  ) {}

  /** Launches Chromium and opens the render page. */
  static async open(options: CaptureOptions): Promise<CaptureBrowser> {
    const args = options.pageKey ? [...RENDER_CHROMIUM_ARGS, `--ignore-certificate-errors-spki-list=${options.pageKey}`] : RENDER_CHROMIUM_ARGS;
    const browser = await chromium.launch({ executablePath: options.chromiumPath, args, headless: true });
    try {
      const context = await browser.newContext({
        viewport: options.frame, deviceScaleFactor: 1, serviceWorkers: 'block', acceptDownloads: false,
        locale: 'en-US', timezoneId: 'UTC', colorScheme: 'light', reducedMotion: 'reduce',
      });
      const origins = new Set(options.origins);
      const page = await context.newPage();
      const capture = new CaptureBrowser(browser, context, page, await context.newCDPSession(page));
      await context.route('**/*', async (route) => {
        const request = route.request();
        if (mayFetch(request.url(), request.method(), request.resourceType(), options.pageUrl, origins)) await route.continue();
        else {
          capture.refused.push(request.url().slice(0, 200));
          await route.abort('blockedbyclient');
        }
      });
      page.on('request', () => { capture.inflight += 1; });
      const done = (request: Request) => {
        void request;
        capture.inflight = Math.max(0, capture.inflight - 1);
        if (capture.inflight === 0) for (const wake of capture.idleWaiters) wake();
      };
      page.on('requestfinished', done);
      page.on('requestfailed', done);
      const response = await page.goto(options.pageUrl, { waitUntil: 'load' });
      if (!response?.ok()) throw new Error(`The render page answered ${response?.status() ?? 'nothing'} (${options.pageUrl})`);
      await page.waitForFunction('typeof window.cwmnRender === "object"');
      return capture;
    } catch (err) {
      await browser.close().catch(() => {});
      throw err;
    }
  }

  /** Hands the events to the page (in chunks) and builds the replayer. */
  async load(events: readonly ReplayEvent[], frame: FrameSize): Promise<void> {
    for (let i = 0; i < events.length; i += EVENTS_PER_CALL) {
      const chunk = events.slice(i, i + EVENTS_PER_CALL);
      await this.page.evaluate((batch) => (window as unknown as { cwmnRender: RenderPageApi }).cwmnRender.add(batch as never), chunk);
    }
    await this.page.evaluate((size) => (window as unknown as { cwmnRender: RenderPageApi }).cwmnRender.start(size), frame);
  }

  /**
   * Seeks the replay to `offsetMs` and lets images, fonts and styles arrive (at
   * most `maxWaitMs`); true when the element under the pointer changed.
   */
  async seek(offsetMs: number, maxWaitMs: number): Promise<boolean> {
    const started = Date.now();
    const hoverChanged = await this.page.evaluate(
      ([t, wait]) => (window as unknown as { cwmnRender: RenderPageApi }).cwmnRender.seek(t!, wait!), [offsetMs, maxWaitMs]);
    await this.networkIdle(Math.max(0, maxWaitMs - (Date.now() - started)));
    return hoverChanged;
  }

  /** A JPEG of the frame as it is. */
  async screenshot(): Promise<Buffer> {
    const shot = await this.cdp.send('Page.captureScreenshot', { format: 'jpeg', quality: JPEG_QUALITY, optimizeForSpeed: true });
    return Buffer.from(shot.data, 'base64');
  }

  /** The cursor to draw over the frames, as PNG bytes. */
  async cursorImage(): Promise<Buffer> {
    const png = await this.page.evaluate(() => (window as unknown as { cwmnRender: RenderPageApi }).cwmnRender.cursorImage());
    return Buffer.from(png, 'base64');
  }

  /** Closes the browser. Idempotent. */
  async close(): Promise<void> {
    await this.context.close().catch(() => {});
    await this.browser.close().catch(() => {});
  }

  private networkIdle(maxWaitMs: number): Promise<void> {
    if (this.inflight === 0 || maxWaitMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.idleWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, maxWaitMs);
      this.idleWaiters.add(wake);
    });
  }
}
