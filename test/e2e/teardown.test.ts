// Everything a session starts in a browser, ending it stops: once the host ends
// the session, neither the host page's library nor the guest's viewer keeps a
// timer, an animation-frame loop, a DOM observer, a socket, a peer connection or
// (after a replay) the microphone.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openHost, startCwmn, startSite, waitForViewerState, type Cwmn } from './harness.js';

interface Live {
  kind: string;
  detail: string;
}

/**
 * Test-only instrumentation, run before any script of the page: tracks the timers,
 * animation frames and observers that scripts whose URL contains `script` start and
 * have not stopped yet, and every socket, peer connection and media track of the page.
 */
function trackResources(script: string): void {
  const live = new Map<object | number, Live>();
  const fromScript = () => (new Error().stack ?? '').split('\n').slice(2).some((frame) => frame.includes(script));
  const track = (key: object | number, kind: string, detail: string) => {
    if (fromScript()) live.set(key, { kind, detail });
  };
  const { setTimeout: st, setInterval: si, clearTimeout: ct, clearInterval: ci, requestAnimationFrame: raf, cancelAnimationFrame: caf } = window;
  window.setTimeout = ((fn: TimerHandler, ms?: number, ...args: unknown[]) => {
    const id: number = st(() => {
      live.delete(id);
      if (typeof fn === 'function') (fn as (...a: unknown[]) => void)(...args);
    }, ms);
    track(id, 'timeout', `${ms ?? 0} ms`);
    return id;
  }) as typeof setTimeout;
  window.setInterval = ((fn: TimerHandler, ms?: number, ...args: unknown[]) => {
    const id = si(fn, ms, ...args);
    track(id, 'interval', `${ms ?? 0} ms`);
    return id;
  }) as typeof setInterval;
  window.clearTimeout = ((id?: number) => {
    if (id !== undefined) live.delete(id);
    ct(id);
  }) as typeof clearTimeout;
  window.clearInterval = ((id?: number) => {
    if (id !== undefined) live.delete(id);
    ci(id);
  }) as typeof clearInterval;
  window.requestAnimationFrame = (fn: FrameRequestCallback) => {
    const id: number = raf((t) => {
      live.delete(-id);
      fn(t);
    });
    track(-id, 'animation frame', '');
    return id;
  };
  window.cancelAnimationFrame = (id: number) => {
    live.delete(-id);
    caf(id);
  };
  const observe = MutationObserver.prototype.observe;
  const disconnect = MutationObserver.prototype.disconnect;
  MutationObserver.prototype.observe = function (this: MutationObserver, target: Node, options?: MutationObserverInit) {
    track(this, 'mutation observer', target.nodeName);
    observe.call(this, target, options);
  };
  MutationObserver.prototype.disconnect = function (this: MutationObserver) {
    live.delete(this);
    disconnect.call(this);
  };
  const sockets: WebSocket[] = [];
  const peers: RTCPeerConnection[] = [];
  const OriginalSocket = window.WebSocket;
  window.WebSocket = class extends OriginalSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
    }
  } as typeof WebSocket;
  const OriginalPeer = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends OriginalPeer {
    constructor(config?: RTCConfiguration) {
      super(config);
      peers.push(this);
    }
  } as typeof RTCPeerConnection;
  const tracks: MediaStreamTrack[] = [];
  const getUserMedia = navigator.mediaDevices?.getUserMedia.bind(navigator.mediaDevices);
  if (getUserMedia) {
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      const stream = await getUserMedia(constraints);
      tracks.push(...stream.getTracks());
      return stream;
    };
  }
  (window as unknown as { __live: () => Live[] }).__live = () => [
    ...live.values(),
    ...sockets.filter((s) => s.readyState !== WebSocket.CLOSED).map((s) => ({ kind: 'socket', detail: `readyState ${s.readyState}` })),
    ...peers.filter((p) => p.signalingState !== 'closed').map((p) => ({ kind: 'peer connection', detail: p.connectionState })),
    ...tracks.filter((t) => t.readyState === 'live').map((t) => ({ kind: 'media track', detail: t.kind })),
  ];
}

const live = (page: Page) => page.evaluate(() => (window as unknown as { __live: () => Live[] }).__live());

describe('teardown in the browser', () => {
  let cwmn: Cwmn;
  let site: { url: string; close(): Promise<void> };
  let browser: Browser;
  let host: Page;
  let guest: Page;

  beforeAll(async () => {
    cwmn = await startCwmn();
    site = await startSite(cwmn.server.url);
    browser = await launchBrowser();
    const hostContext = await browser.newContext();
    await hostContext.addInitScript(trackResources, 'clickwithmenow-api.js');
    host = await openHost(hostContext, `${site.url}/host.html`);
    const guestContext = await browser.newContext();
    await guestContext.addInitScript(trackResources, '/viewer/');
    guest = await guestContext.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await cwmn?.close();
  });

  it('a live session holds sockets, peer connections and a DOM observer', async () => {
    await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'Tess', hostEmail: '', isReplay: false }));
    await guest.goto(await host.evaluate(() => window.CwmnAPI!.guest.getInviteLink()));
    await waitForViewerState(guest, 'live');
    // Some traffic both ways: a host change and the guest's pointer.
    await host.evaluate(() => { document.body.append(Object.assign(document.createElement('p'), { textContent: 'more' })); });
    const box = (await guest.locator('#cwmn-surface').boundingBox())!;
    await guest.mouse.move(box.x + 50, box.y + 50);
    await guest.mouse.move(box.x + 80, box.y + 90);
    await host.waitForFunction(() => window.CwmnAPI!.guest.getGuestList()[0]?.x !== null);

    const kinds = (l: Live[]) => new Set(l.map((r) => r.kind));
    expect([...kinds(await live(host))]).toEqual(expect.arrayContaining(['socket', 'peer connection', 'mutation observer']));
    expect([...kinds(await live(guest))]).toEqual(expect.arrayContaining(['socket', 'peer connection']));
  });

  it('after the host ends it, nothing of it is left running on either side', async () => {
    await host.evaluate(() => window.CwmnAPI!.session.endSession());
    await host.waitForFunction(() => window.CwmnAPI!.getCurrentState() === 'no session');
    await waitForViewerState(guest, 'ended');
    // A timer already in flight may still fire once; nothing may stay.
    await expect.poll(() => live(host), { timeout: 5000 }).toEqual([]);
    await expect.poll(() => live(guest), { timeout: 5000 }).toEqual([]);
  });

  it('a replay: recording holds its upload timer and microphone; once the video is abandoned, nothing is left', async () => {
    await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'Tess', hostEmail: '', isReplay: true }));
    await host.evaluate(() => { document.body.append(Object.assign(document.createElement('p'), { textContent: 'recorded' })); });
    await expect.poll(async () => (await live(host)).map((r) => r.kind))
      .toEqual(expect.arrayContaining(['interval', 'mutation observer', 'media track']));

    await host.evaluate(() => window.CwmnAPI!.session.endSession());
    await host.waitForFunction(() => ['waiting for replay', 'replay complete'].includes(window.CwmnAPI!.getCurrentState()));
    await host.evaluate(() => window.CwmnAPI!.replay.abandonVideo());
    expect(await host.evaluate(() => window.CwmnAPI!.getCurrentState())).toBe('no session');
    await expect.poll(() => live(host), { timeout: 5000 }).toEqual([]);
  });
});
