// Verifiable privacy: canaries placed in passwords, card fields, masked and
// blocked elements, typed into them, added later, and shown only while the
// privacy curtain is up. Every byte the host page sends — each data-channel
// frame (reassembled and inflated), each frame it seals for the relay (before
// sealing) and each signaling message — is captured in the page and searched
// for every canary; so is everything the server receives, on the signaling
// socket and on the relay. The suite runs once peer-to-peer, once relayed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { decodePayload, FrameAssembler } from '../../src/protocol/index.js';
import { leakedTexts, unsealedFrameWith } from './leaks.js';
import { launchBrowser, openHost, startCwmn, startSite, waitForViewerState, type Cwmn } from './harness.js';

/**
 * Test-only instrumentation: copies of everything the page sends on data channels and sockets,
 * and of what it seals for the relay (as `dom` and `pointer` messages: the lane is byte 1 of the sealed header).
 */
function captureOutbound(): void {
  const w = window as unknown as { __dc: { label: string; data: string | number[] }[]; __ws: string[] };
  w.__dc = [];
  w.__ws = [];
  const encrypt = SubtleCrypto.prototype.encrypt;
  SubtleCrypto.prototype.encrypt = function (this: SubtleCrypto, algorithm: AlgorithmIdentifier | AesGcmParams, key: CryptoKey, data: BufferSource) {
    const aad = (algorithm as AesGcmParams).additionalData;
    if (aad) {
      const lane = new Uint8Array(aad as ArrayBuffer)[1];
      const bytes = Array.from(new Uint8Array(ArrayBuffer.isView(data) ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) : data));
      w.__dc.push(lane === 0 ? { label: 'dom', data: bytes } : { label: 'pointer', data: new TextDecoder().decode(Uint8Array.from(bytes)) });
    }
    return encrypt.call(this, algorithm, key, data);
  };
  const dcSend = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: string | ArrayBufferView | ArrayBuffer | Blob) {
    const bytes = typeof data === 'string' ? data : ArrayBuffer.isView(data)
      ? Array.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) : Array.from(new Uint8Array(data as ArrayBuffer));
    w.__dc.push({ label: this.label, data: bytes });
    return dcSend.call(this, data as never);
  };
  const wsSend = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, data: string | ArrayBufferLike | Blob | ArrayBufferView) {
    w.__ws.push(String(data));
    return wsSend.call(this, data as never);
  };
}

const CANARIES = [
  'CANARY-PW-INITIAL', 'CANARY-CC-INITIAL', 'CANARY-MASKED-TEXT', 'CANARY-MASKED-VALUE', 'CANARY-BLOCKED-TEXT',
  'CANARY-BLOCKED-CHILD', 'CANARY-TEXTAREA', 'CANARY-PW-TYPED', 'CANARY-CARDNUM-TYPED', 'CANARY-MASKED-TYPED',
  'CANARY-LATER-MASKED', 'CANARY-LATER-BLOCKED', 'CANARY-LATER-PASSWORD', 'CANARY-CURTAIN-TEXT', 'CANARY-CURTAIN-TYPED',
  '4111111111111111', '4111 1111 1111 1111',
];

describe.each<{ transport: string; env: Record<string, string> }>([
  { transport: 'peer-to-peer', env: {} },
  { transport: 'the relay', env: { CWMN_RELAY: 'always' } },
])('privacy: nothing masked leaves the host ($transport)', ({ env }) => {
  let cwmn: Cwmn;
  let site: { url: string; close(): Promise<void> };
  let browser: Browser;
  let host: Page;
  let guest: Page;
  /** Every signaling message the server received, as the server saw it. */
  const serverSaw: string[] = [];
  /** Every frame the server's relay received. */
  const relaySaw: Uint8Array[] = [];

  beforeAll(async () => {
    cwmn = await startCwmn(env, (text) => serverSaw.push(text), (bytes) => relaySaw.push(bytes.slice()));
    site = await startSite(cwmn.server.url);
    browser = await launchBrowser();
    const context = await browser.newContext();
    await context.addInitScript(captureOutbound);
    host = await openHost(context, `${site.url}/privacy.html`);
    await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'Priya' }));
    const link = await host.evaluate(() => window.CwmnAPI!.guest.getInviteLink());
    guest = await (await browser.newContext()).newPage();
    await guest.goto(link);
    await waitForViewerState(guest, 'live');
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await cwmn?.close();
  });

  const inMirror = (selector: string, prop: 'value' | 'textContent') => guest.evaluate(([sel, p]) => {
    const el = document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!.contentDocument!.querySelector(sel!);
    return el ? String((el as unknown as Record<string, unknown>)[p!]) : null;
  }, [selector, prop]);

  it('masks typing, elements added later and blocked content, while the page stays live', async () => {
    await host.fill('#pw', 'CANARY-PW-TYPED');
    await host.fill('#cardnum', 'CANARY-CARDNUM-TYPED');
    await host.fill('#plain', '4111 1111 1111 1111');
    await host.fill('#masked-input', 'CANARY-MASKED-TYPED');
    await host.evaluate(() => {
      const later = document.getElementById('later')!;
      later.innerHTML = '<p data-cwmn-mask>CANARY-LATER-MASKED</p><div data-cwmn-block>CANARY-LATER-BLOCKED</div>'
        + '<input type="password" id="later-pw">';
      (document.getElementById('later-pw') as HTMLInputElement).value = 'x';
      document.getElementById('later-pw')!.dispatchEvent(new Event('input', { bubbles: true }));
      (document.getElementById('later-pw') as HTMLInputElement).value = 'CANARY-LATER-PASSWORD';
      document.getElementById('later-pw')!.dispatchEvent(new Event('input', { bubbles: true }));
      document.getElementById('public')!.textContent = 'Public text changed';
    });
    await guest.waitForFunction(() => document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!
      .contentDocument!.getElementById('public')?.textContent === 'Public text changed');
    expect(await inMirror('#pw', 'value')).toBe('********');
    expect(await inMirror('#masked', 'textContent')).toMatch(/^\*+$/);
    // A blocked element arrives as a same-size placeholder, without its content.
    const blocked = await guest.evaluate(() => {
      const el = document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!.contentDocument!.querySelector('.blocked-box')!;
      return { text: el.textContent, width: el.getBoundingClientRect().width, height: el.getBoundingClientRect().height };
    });
    expect(blocked).toEqual({ text: '', width: 200, height: 80 });
  });

  /** The notice the host page shows in its overlay, or null when none is shown. */
  const hostNotice = () => host.evaluate(() => {
    const notice = (window as unknown as { __overlayRoot?: ShadowRoot }).__overlayRoot?.querySelector<HTMLElement>('[role="status"]');
    return notice && !notice.hidden ? notice.textContent : null;
  });

  it('pulls the curtain: guests see that sharing is paused and nothing of the page leaves until it is lifted', async () => {
    const sentBefore = await host.evaluate(() => (window as unknown as { __dc: unknown[] }).__dc.length);
    await host.evaluate(() => {
      window.CwmnAPI!.privacy.setEnabled(true);
      // Shown only while the curtain is up, and gone before it is lifted.
      const p = document.createElement('p');
      p.id = 'curtain';
      p.textContent = 'CANARY-CURTAIN-TEXT';
      document.body.appendChild(p);
    });
    expect(await host.evaluate(() => window.CwmnAPI!.privacy.getEnabled())).toBe(true);
    // The host sees that sharing is paused (a notice in the overlay, which is never recorded).
    expect(await hostNotice()).toMatch(/paused/i);
    await waitForViewerState(guest, 'paused');
    expect(await guest.textContent('#cwmn-status')).toContain('paused sharing');
    await host.mouse.move(50, 50);
    await host.mouse.move(120, 90, { steps: 5 });
    await host.evaluate(() => window.scrollTo(0, 200));
    await host.click('#open-field');
    await host.keyboard.type('CANARY-CURTAIN-TYPED');
    await new Promise((r) => setTimeout(r, 300));
    // Only control messages (no page data) left while the curtain was up.
    const during = await host.evaluate((n) => (window as unknown as { __dc: { label: string; data: number[] }[] }).__dc.slice(n), sentBefore);
    const decoded = await decodeFrames(during.filter((m) => m.label === 'dom').map((m) => Uint8Array.from(m.data)));
    expect(decoded).toEqual([{ t: 'sharing', paused: true }]);

    await host.evaluate(() => {
      document.getElementById('curtain')!.remove();
      (document.getElementById('open-field') as HTMLInputElement).value = '';
      window.CwmnAPI!.privacy.setEnabled(false);
    });
    await waitForViewerState(guest, 'live');
    expect(await hostNotice()).toBeNull();
    expect(await inMirror('#public', 'textContent')).toBe('Public text changed');
    expect(await inMirror('#curtain', 'textContent')).toBeNull();
  });

  it('no canary is in any signaling message the server received', async () => {
    expect(serverSaw.length).toBeGreaterThan(3);
    expect(serverSaw.some((m) => m.includes('"host-hello"'))).toBe(true);
    const all = serverSaw.join('\n');
    for (const canary of CANARIES) expect(all.includes(canary), canary).toBe(false);
    // Page data never goes through the server's signaling at all.
    expect(all).not.toContain('Public text changed');
  });

  it('no canary, nor any page text, is in any frame the relay received (raw or inflated at any offset)', async () => {
    if (env.CWMN_RELAY === 'always') expect(relaySaw.length).toBeGreaterThan(3);
    const texts = [...CANARIES, 'Public text changed'];
    expect(leakedTexts([await unsealedFrameWith('CANARY-PW-TYPED')], texts), 'the detector finds a canary in an unsealed frame').toEqual(['CANARY-PW-TYPED']);
    expect(leakedTexts(relaySaw, texts)).toEqual([]);
  });

  it('no canary is in any byte the host sent, on data channels or the signaling socket', async () => {
    const { dc, ws } = await host.evaluate(() => {
      const w = window as unknown as { __dc: { label: string; data: string | number[] }[]; __ws: string[] };
      return { dc: w.__dc, ws: w.__ws };
    });
    const domFrames = dc.filter((m) => m.label === 'dom').map((m) => Uint8Array.from(m.data as number[]));
    const messages = await decodeFrames(domFrames);
    const texts = [
      ...messages.map((m) => JSON.stringify(m)),
      ...dc.filter((m) => m.label !== 'dom').map((m) => String(m.data)),
      ...ws,
    ];
    expect(messages.length).toBeGreaterThan(3);
    const all = texts.join('\n');
    expect(all).toContain('Public text changed'); // The capture does see page data…
    for (const canary of CANARIES) expect(all.includes(canary), canary).toBe(false); // …and no canary.
    const bytes = dc.reduce((n, m) => n + (typeof m.data === 'string' ? m.data.length : m.data.length), 0);
    console.log(`privacy: ${CANARIES.length} canaries, ${dc.length} data-channel messages (${bytes} bytes on the wire, `
      + `${all.length} characters decoded), ${ws.length} signaling messages from the host, ${serverSaw.length} seen by the server: no canary`);
  });
});

async function decodeFrames(frames: Uint8Array[]): Promise<unknown[]> {
  const assembler = new FrameAssembler();
  const out: unknown[] = [];
  for (const frame of frames) {
    const payload = assembler.push(frame);
    if (payload) out.push(await decodePayload(payload));
  }
  return out;
}
