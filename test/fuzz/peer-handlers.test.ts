// Fuzzing each peer's handling of what the other peer sends (issue 4, item 8),
// over real WebRTC in Node: a guest storms the host's GuestLink, a host storms
// the guest's GuestConnection, with random frames on the DOM channel and
// random texts on the pointer channel. Neither may throw, emit anything
// unvalidated, exceed its rate limits or stop working. Seeded: the seed is
// printed, and `FUZZ_SEED=<n>` replays a run.

import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { GUEST_POINTER_RATE, GUEST_RESYNC_RATE, MAX_GUEST_DOM_MESSAGE_BYTES } from '../../src/host/guest-link.js';
import { CHUNK_BYTES, toFrames } from '../../src/protocol/index.js';
import { framesOf, randomFrame, randomFramedBytes } from './support/frames.js';
import { deepJsonText, mutate, randomJson, randomText, type JsonValue } from './support/generators.js';
import { CrashCounter, preview, sleep, waitUntil } from './support/outcomes.js';
import { connectGuestConnection, connectGuestLink } from './support/peers.js';
import { fuzzSeed, Random } from './support/random.js';
import { isBoundedCoordinate, isHostDomShape, isHostPointerShape } from './support/shapes.js';
import * as T from './support/templates.js';

const SEED = fuzzSeed();
const crashes = new CrashCounter();
const counts = { linkFrames: 0, linkTexts: 0, guestFrames: 0, guestTexts: 0 };
const startedAt = Date.now();
/** Storm iterations per peer: each sends one DOM message (one or more frames) or one pointer text. */
const STORM = 3000;

beforeAll(() => {
  console.log(`fuzz peer-handlers: seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
  crashes.start();
});

afterAll(() => {
  crashes.stop();
  console.log(`fuzz: ${counts.linkFrames} frames + ${counts.linkTexts} texts into GuestLink, `
    + `${counts.guestFrames} frames + ${counts.guestTexts} texts into GuestConnection over WebRTC, ${crashes.total} crashes, `
    + `${((Date.now() - startedAt) / 1000).toFixed(1)} s (seed ${SEED})`);
});

/** What a hostile guest sends on the DOM channel. */
function guestDomFrames(r: Random): Uint8Array[] {
  return r.weighted<() => Uint8Array[]>([
    [5, () => [randomFrame(r, MAX_GUEST_DOM_MESSAGE_BYTES)]],
    [3, () => framesOf(mutate(r, { t: 'resync' }), r.chance(0.3))],
    [2, () => framesOf(randomJson(r, 3), r.chance(0.3))],
    [1, () => framesOf({ t: 'resync' })],
    [1, () => randomFramedBytes(r, 40_000)],
  ])();
}

/** What a hostile guest sends on the pointer channel. */
function guestPointerText(r: Random): string {
  return r.weighted<() => string>([
    [3, () => randomText(r, 400)],
    [5, () => JSON.stringify(mutate(r, r.pick(T.guestPointer()) as JsonValue))],
    [2, () => JSON.stringify(randomJson(r, 3))],
    [1, () => JSON.stringify({ t: r.pick(['pointer', 'click']), x: r.pick([1e6, 1e6 + 1, -1e6, 1e300, 0.1]), y: 5 })],
    [1, () => 'x'.repeat(r.int(4000, 5000))],
    [1, () => deepJsonText(r, r.int(100, 2000))],
  ])();
}

/** What a hostile host sends on the DOM channel. */
function hostDomFrames(r: Random): Uint8Array[] {
  return r.weighted<() => Uint8Array[]>([
    [4, () => [randomFrame(r, 2048)]],
    [4, () => framesOf(mutate(r, r.pick(T.hostDom())), r.chance(0.3))],
    [2, () => framesOf(randomJson(r, 3), r.chance(0.3))],
    [1, () => framesOf(r.pick(T.hostDom()), r.chance(0.5))],
    [1, () => randomFramedBytes(r, 40_000)],
  ])();
}

/** What a hostile host sends on the pointer channel. */
function hostPointerText(r: Random): string {
  return r.weighted<() => string>([
    [3, () => randomText(r, 400)],
    [5, () => JSON.stringify(mutate(r, r.pick(T.hostPointer()) as unknown as JsonValue))],
    [2, () => JSON.stringify(randomJson(r, 3))],
    [1, () => deepJsonText(r, r.int(100, 2000))],
  ])();
}

describe('fuzz: the host\'s GuestLink over real WebRTC', () => {
  it('random frames and texts from a guest: no throw, only bounded pointer/click events, resync within its rate, still working after', async () => {
    const r = Random.for(SEED, 'guest-link-storm');
    const { link, guest } = await connectGuestLink();
    const bad: string[] = [];
    const errors: string[] = [];
    let pointerEvents = 0;
    let resyncs = 0;
    let closed = false;
    const onPointer = (kind: string) => (x: number, y: number) => {
      pointerEvents++;
      if (!isBoundedCoordinate(x) || !isBoundedCoordinate(y)) bad.push(`${kind} ${x},${y}`);
    };
    link.on('pointer', onPointer('pointer'));
    link.on('click', onPointer('click'));
    link.on('resync', () => resyncs++);
    link.on('error', (err) => errors.push(err.code));
    link.on('close', () => { closed = true; });
    // Test-only: count what reached the host's peer, to know when the reliable DOM channel has delivered everything.
    let domReceived = 0;
    let textsReceived = 0;
    link['peer']!.on('dom', () => domReceived++);
    link['peer']!.on('pointer', () => textsReceived++);

    // The path works before the storm: one resync request is one `resync`.
    for (const f of framesOf({ t: 'resync' })) guest.sendDom(f);
    expect(await waitUntil(() => resyncs === 1, 5000)).toBe(true);

    const t0 = Date.now();
    let domSent = 1;
    let textsSent = 0;
    for (let i = 0; i < STORM; i++) {
      if (r.chance(0.5)) {
        for (const frame of guestDomFrames(r)) {
          if (guest.sendDom(frame)) domSent++;
          counts.linkFrames++;
        }
      } else {
        if (guest.sendPointer(guestPointerText(r))) textsSent++;
        counts.linkTexts++;
      }
      if (i % 100 === 99) await sleep(5); // Let the channels drain instead of queueing everything at once.
    }
    expect(await waitUntil(() => domReceived >= domSent, 20_000), `DOM frames delivered: ${domReceived}/${domSent}`).toBe(true);
    await waitUntil(() => textsReceived >= textsSent, 3000); // Lossy channel: most, not necessarily all.
    await sleep(200); // Pending decodes settle.
    const seconds = (Date.now() - t0) / 1000;

    expect(bad, `seed ${SEED}`).toEqual([]);
    expect(errors).toEqual([]);
    expect(closed).toBe(false);
    expect(link.isOpen).toBe(true);
    // Rate limits: a full bucket (twice the rate per second), then the rate; one token of slack for rounding.
    expect(pointerEvents).toBeLessThanOrEqual(GUEST_POINTER_RATE * 2 + GUEST_POINTER_RATE * seconds + 1);
    expect(resyncs).toBeLessThanOrEqual(1 + 2 + GUEST_RESYNC_RATE * seconds + 1);

    // Still working: a valid pointer message is a `pointer` event at its coordinates.
    await sleep(100);
    const seen: [number, number][] = [];
    link.on('pointer', (x, y) => seen.push([x, y]));
    for (let attempt = 0; attempt < 20 && !seen.some(([x, y]) => x === 12.5 && y === 34); attempt++) {
      guest.sendPointer(JSON.stringify({ t: 'pointer', x: 12.5, y: 34 }));
      await sleep(50);
    }
    expect(seen).toContainEqual([12.5, 34]);
    guest.close();
    link.destroy();
  });

  it('a guest\'s deflate bomb is not inflated past the guest message limit', async () => {
    // Found by this suite: GuestLink used to decode with the 512 MiB default, 16 KiB became 16 MiB on the host.
    const { link, guest } = await connectGuestLink();
    // Count what the host inflates: the platform's DecompressionStream, wrapped for this test only.
    const Original = globalThis.DecompressionStream;
    let inflated = 0;
    class CountingDecompressionStream {
      readonly writable: WritableStream<BufferSource>;
      readonly readable: ReadableStream<Uint8Array>;
      constructor(format: CompressionFormat) {
        const inner = new Original(format);
        this.writable = inner.writable;
        this.readable = inner.readable.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            inflated += chunk.length;
            controller.enqueue(chunk);
          },
        }));
      }
    }
    globalThis.DecompressionStream = CountingDecompressionStream as unknown as typeof DecompressionStream;
    try {
      let received = 0;
      link['peer']!.on('dom', () => received++);
      // 16 MiB of spaces deflate to less than the 16 KiB a guest's message may have.
      const bytes = deflateRawSync(Buffer.alloc(16 * 1024 * 1024, 0x20));
      expect(bytes.length).toBeLessThan(MAX_GUEST_DOM_MESSAGE_BYTES);
      const frames = toFrames({ bytes, compressed: true }, CHUNK_BYTES);
      for (const f of frames) guest.sendDom(f);
      counts.linkFrames += frames.length;
      expect(await waitUntil(() => received === frames.length, 5000)).toBe(true);
      await sleep(300);
      // One output chunk of slack: the decoder stops at the first chunk past the limit.
      expect(inflated, `a ${bytes.length}-byte message from a guest was inflated to ${inflated} bytes on the host`)
        .toBeLessThanOrEqual(MAX_GUEST_DOM_MESSAGE_BYTES + 64 * 1024);
    } finally {
      globalThis.DecompressionStream = Original;
      guest.close();
      link.destroy();
    }
  });
});

describe('fuzz: the guest\'s GuestConnection over real WebRTC', () => {
  // The viewer's socket is the browser's WebSocket; in Node, ws's client plays it.
  const had = Object.prototype.hasOwnProperty.call(globalThis, 'WebSocket');
  const previous = (globalThis as { WebSocket?: unknown }).WebSocket;
  beforeAll(() => {
    (globalThis as { WebSocket?: unknown }).WebSocket = NodeWebSocket;
  });
  afterAll(() => {
    if (had) (globalThis as { WebSocket?: unknown }).WebSocket = previous;
    else delete (globalThis as { WebSocket?: unknown }).WebSocket;
  });

  it('random frames and texts from a host: no throw, only validated events, the view stays connected and still works', async () => {
    const r = Random.for(SEED, 'guest-connection-storm');
    const { connection, host, close } = await connectGuestConnection();
    const bad: string[] = [];
    const ends: string[] = [];
    let delivered = 0;
    connection.on('events', (events) => {
      delivered++;
      if (!isHostDomShape({ t: 'events', events })) bad.push(`events ${preview(events)}`);
    });
    connection.on('pointer', (m) => {
      delivered++;
      if (!isHostPointerShape(m)) bad.push(`pointer ${preview(m)}`);
    });
    connection.on('guestState', (v) => { if (typeof v !== 'boolean') bad.push(`guestState ${preview(v)}`); });
    connection.on('sharing', (v) => { if (typeof v !== 'boolean') bad.push(`sharing ${preview(v)}`); });
    for (const e of ['refused', 'ended', 'lost', 'linkLost'] as const) connection.on(e, () => ends.push(e));
    let resyncRequests = 0;
    host.on('dom', () => resyncRequests++);
    // Test-only: count frames that reached the guest's peer, then wait for its decode chain.
    let received = 0;
    connection['peer']!.on('dom', () => received++);

    let sent = 0;
    for (let i = 0; i < STORM; i++) {
      if (r.chance(0.5)) {
        for (const frame of hostDomFrames(r)) {
          if (host.sendDom(frame)) sent++;
          counts.guestFrames++;
        }
      } else {
        host.sendPointer(hostPointerText(r));
        counts.guestTexts++;
      }
      if (i % 100 === 99) await sleep(5);
    }
    expect(await waitUntil(() => received >= sent, 20_000), `frames delivered: ${received}/${sent}`).toBe(true);
    const decoded = await Promise.race([connection['decoder']!.idle().then(() => true), sleep(10_000).then(() => false)]);
    expect(decoded, 'the guest decoded everything it received').toBe(true);

    // Still working: a valid message is applied (the first may be eaten by a half-sent chunked message, the second starts clean).
    const sharing: boolean[] = [];
    connection.on('sharing', (paused) => sharing.push(paused));
    for (let k = 0; k < 2; k++) for (const f of framesOf({ t: 'sharing', paused: true })) host.sendDom(f);
    expect(await waitUntil(() => sharing.length > 0, 5000)).toBe(true);

    expect(bad, `seed ${SEED}`).toEqual([]);
    expect(ends).toEqual([]);
    expect(delivered, 'some fuzzed messages were valid and delivered').toBeGreaterThan(0);
    expect(resyncRequests, 'the guest asks for a fresh snapshot after bad data').toBeGreaterThan(0);
    await close();
  });
});

describe('fuzz: process health', () => {
  it('nothing escaped: no unhandled rejection, no uncaught exception', async () => {
    await sleep(100);
    expect(crashes.samples).toEqual([]);
    expect(crashes.total).toBe(0);
  });
});
