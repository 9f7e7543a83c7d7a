// The relay through the real server: the host's and the guest's relay modules
// (the same code the browsers run, over `ws` in Node) handshake, carry page
// data and pointers both ways sealed end to end, and the server refuses what
// it must: bad hellos, wrong tokens, ended sessions, removed guests, malformed
// and oversized frames. A tampering relay (a proxy between guest and server)
// gets its frames dropped and counted, never applied.

import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { MAX_RELAY_FRAME_BYTES, PROTOCOL_VERSION, RELAY_PATH } from '../../src/protocol/index.js';
import { HostRelay } from '../../src/relay/host-relay.js';
import { openGuestRelay } from '../../src/relay/guest-relay.js';
import type { RelayChannel } from '../../src/relay/relay-channel.js';
import { startTestServer, stopServers, type TestServer } from './support/server.js';
import { connectHost, createLink, joinAsGuest, requestOk, WAIT_MS, type ConnectedHost } from './support/socket.js';

const NodeWebSocket = WebSocket as unknown as typeof globalThis.WebSocket;
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await stopServers();
});

function until<T>(register: (resolve: (value: T) => void) => void, what: string, ms = WAIT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** The relay of the server hosts connect to. */
function relayUrl(server: TestServer): string {
  return new URL(RELAY_PATH, server.wsUrl).href;
}

/** The relay of the server guests connect to (the other one of a pair on Redis: frames then cross the bus). */
function guestRelayUrl(server: TestServer): string {
  return new URL(RELAY_PATH, server.guestWsUrl).href;
}

interface Pair {
  host: ConnectedHost;
  guestId: string;
  resumeToken: string;
  hostChannel: RelayChannel;
  guestChannel: RelayChannel;
}

/**
 * A session with one joined guest, both ends on the relay (`url` lets a test put a proxy in between).
 * The guest has the host's `secret` unless `guestSecret` is given (even as undefined: a link the server delivered).
 */
async function relayedPair(server: TestServer, options: { secret?: string; guestSecret?: string; requireAuth?: boolean; guestUrl?: string } = {}): Promise<Pair> {
  const host = await connectHost(server);
  const guestSocket = await joinAsGuest(server, await createLink(host.socket), 'Rui');
  const joined = await guestSocket.expect('joined');
  closers.push(() => guestSocket.ws.close());
  const relay = new HostRelay({ url: relayUrl(server), sessionId: host.sessionId, hostToken: host.hostToken, WebSocket: NodeWebSocket });
  closers.push(() => relay.close());
  const hostChannel = relay.channel(joined.guestId, { secret: options.secret, requireAuth: options.requireAuth ?? false });
  const guest = openGuestRelay({
    url: options.guestUrl ?? guestRelayUrl(server), guestId: joined.guestId, resumeToken: joined.resumeToken!,
    secret: 'guestSecret' in options ? options.guestSecret : options.secret, WebSocket: NodeWebSocket,
  });
  closers.push(() => guest.channel.close());
  return { host, guestId: joined.guestId, resumeToken: joined.resumeToken!, hostChannel, guestChannel: guest.channel };
}

async function opened(pair: Pair): Promise<void> {
  await Promise.all([
    until((r) => pair.hostChannel.on('open', () => r(undefined)), 'the host channel to open'),
    until((r) => pair.guestChannel.on('open', () => r(undefined)), 'the guest channel to open'),
  ]);
}

/** A raw relay socket for refusals. */
async function rawRelay(server: TestServer): Promise<{ ws: WebSocket; messages: string[]; closed: Promise<number> }> {
  const ws = new WebSocket(relayUrl(server), { origin: server.origin });
  const messages: string[] = [];
  ws.on('message', (data, isBinary) => { if (!isBinary) messages.push(data.toString()); });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await once(ws, 'open');
  closers.push(() => ws.terminate());
  return { ws, messages, closed };
}

describe('relay', () => {
  it('carries page data and pointers both ways once host and guest have shaken hands with the link secret', async () => {
    const server = await startTestServer();
    const pair = await relayedPair(server, { secret: 'S'.repeat(43), requireAuth: true });
    await opened(pair);
    expect(pair.hostChannel.kind).toBe('relay');

    const big = Uint8Array.from({ length: 60_000 }, (_, i) => i % 251);
    const dom = until<Uint8Array>((r) => pair.guestChannel.on('dom', r), 'a frame at the guest');
    expect(pair.hostChannel.sendDom(big)).toBe(true);
    expect([...(await dom)]).toEqual([...big]);

    const pointer = until<string>((r) => pair.hostChannel.on('pointer', r), 'a pointer at the host');
    pair.guestChannel.sendPointer('{"t":"pointer","x":1,"y":2}');
    expect(await pointer).toBe('{"t":"pointer","x":1,"y":2}');

    const back = until<Uint8Array>((r) => pair.hostChannel.on('dom', r), 'a frame at the host');
    pair.guestChannel.sendDom(new Uint8Array([7, 7, 7]));
    expect([...(await back)]).toEqual([7, 7, 7]);
  });

  it('pairs a host that has the link secret with a guest that has none (a link the server delivered) where the host allows it', async () => {
    const server = await startTestServer();
    const pair = await relayedPair(server, { secret: 'S'.repeat(43), guestSecret: undefined, requireAuth: false });
    await opened(pair);
    const dom = until<Uint8Array>((r) => pair.guestChannel.on('dom', r), 'a frame at the guest');
    expect(pair.hostChannel.sendDom(new Uint8Array([1, 2, 3]))).toBe(true);
    expect([...(await dom)]).toEqual([1, 2, 3]);
    const back = until<Uint8Array>((r) => pair.hostChannel.on('dom', r), 'a frame at the host');
    pair.guestChannel.sendDom(new Uint8Array([4, 5]));
    expect([...(await back)]).toEqual([4, 5]);
  });

  it('refuses a handshake from a guest without the link secret when the host requires it, and one with a wrong secret', async () => {
    const server = await startTestServer();
    const pair = await relayedPair(server, { secret: 'S'.repeat(43), guestSecret: 'W'.repeat(43), requireAuth: true });
    let opens = 0;
    pair.hostChannel.on('open', () => opens++);
    await until((r) => { const t = setInterval(() => { if (pair.hostChannel.drops.hellos > 0) { clearInterval(t); r(undefined); } }, 20); }, 'the hello to be refused');
    expect(opens).toBe(0);
    expect(pair.hostChannel.sendDom(new Uint8Array([1]))).toBe(false);
  });

  it('drops frames a tampering relay altered or replayed, reports the gap, and carries on', async () => {
    const server = await startTestServer();
    // A proxy between the guest and the server: it flips a byte of the first large frame to the guest and replays it.
    const proxy = createServer();
    const wss = new WebSocketServer({ server: proxy });
    let tampered = 0;
    wss.on('connection', (client, req) => {
      const upstream = new WebSocket(relayUrl(server), { origin: req.headers.origin ?? server.origin });
      const pending: [WebSocket.RawData, boolean][] = [];
      upstream.on('open', () => { for (const [d, b] of pending.splice(0)) upstream.send(d, { binary: b }); });
      client.on('message', (d, b) => (upstream.readyState === WebSocket.OPEN ? upstream.send(d, { binary: b }) : pending.push([d, b])));
      upstream.on('message', (d, isBinary) => {
        const bytes = Buffer.from(d as Buffer);
        if (isBinary && bytes.length > 1000 && tampered === 0) {
          tampered++;
          const altered = Buffer.from(bytes);
          altered[altered.length - 20]! ^= 0xff;
          client.send(altered, { binary: true });
          client.send(bytes, { binary: true }); // the genuine frame
          client.send(bytes, { binary: true }); // and a replay of it
          return;
        }
        client.send(bytes, { binary: isBinary });
      });
      client.on('close', () => upstream.close());
      upstream.on('close', () => client.close());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    closers.push(() => { wss.close(); proxy.close(); });
    const proxyUrl = `ws://127.0.0.1:${(proxy.address() as AddressInfo).port}${RELAY_PATH}`;

    const pair = await relayedPair(server, { secret: 'S'.repeat(43), guestUrl: proxyUrl });
    await opened(pair);
    const received: number[] = [];
    let gaps = 0;
    pair.guestChannel.on('dom', (f) => received.push(f.length));
    pair.guestChannel.on('gap', () => gaps++);
    pair.hostChannel.sendDom(new Uint8Array(5000).fill(1));
    pair.hostChannel.sendDom(new Uint8Array(10).fill(2));
    await until((r) => { const t = setInterval(() => { if (received.includes(10)) { clearInterval(t); r(undefined); } }, 20); }, 'the next frame');
    expect(tampered).toBe(1);
    expect(received).toEqual([5000, 10]); // The altered copy and the replay were never delivered.
    expect(pair.guestChannel.drops).toMatchObject({ unauthenticated: 1, replayed: 1 });
    expect(gaps).toBe(1);
  });

  it('refuses bad hellos, wrong tokens and binary before hello, with a stable error', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const cases: [string | Buffer, string][] = [
      ['not json', 'ERR_PROTOCOL'],
      [JSON.stringify({ type: 'relay-hello', v: 99, role: 'host', sessionId: host.sessionId, hostToken: host.hostToken }), 'ERR_PROTOCOL'],
      [JSON.stringify({ type: 'relay-hello', v: PROTOCOL_VERSION, role: 'host', sessionId: host.sessionId, hostToken: 'x'.repeat(32) }), 'ERR_FORBIDDEN'],
      [JSON.stringify({ type: 'relay-hello', v: PROTOCOL_VERSION, role: 'guest', guestId: 'nobody01', resumeToken: 'x'.repeat(32) }), 'ERR_NOT_FOUND'],
      [Buffer.from([1, 2, 3]), 'ERR_PROTOCOL'],
    ];
    for (const [first, code] of cases) {
      const raw = await rawRelay(server);
      raw.ws.send(first);
      await raw.closed;
      expect(JSON.parse(raw.messages[0]!).error.code, String(first)).toBe(code);
    }
  });

  it('closes a socket that sends an oversized frame, or keeps sending malformed ones', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const hello = JSON.stringify({ type: 'relay-hello', v: PROTOCOL_VERSION, role: 'host', sessionId: host.sessionId, hostToken: host.hostToken });
    const big = await rawRelay(server);
    big.ws.send(hello);
    big.ws.send(Buffer.alloc(MAX_RELAY_FRAME_BYTES + 1));
    expect(await big.closed).toBe(1009);

    const noisy = await rawRelay(server);
    noisy.ws.send(hello);
    for (let i = 0; i < 30; i++) noisy.ws.send(Buffer.from([0x7f, 1, 2]));
    expect(await noisy.closed).toBe(1008);
    // The server still relays for others.
    const pair = await relayedPair(server);
    await opened(pair);
  });

  it('closes the relay sockets of a session that ends, and of a guest the host removes', async () => {
    const server = await startTestServer();
    const pair = await relayedPair(server);
    await opened(pair);
    const guestClosed = until((r) => pair.guestChannel.on('close', () => r(undefined)), 'the guest channel to close');
    await requestOk(pair.host.socket, { type: 'remove-guest', guestId: pair.guestId });
    await guestClosed;
    // Its credentials no longer open the relay.
    const raw = await rawRelay(server);
    raw.ws.send(JSON.stringify({ type: 'relay-hello', v: PROTOCOL_VERSION, role: 'guest', guestId: pair.guestId, resumeToken: pair.resumeToken }));
    await raw.closed;
    expect(JSON.parse(raw.messages[0]!).error.code).toBe('ERR_LINK_REVOKED');

    expect(pair.hostChannel.isOpen, 'the host hears the guest left the relay').toBe(false);

    const other = await relayedPair(server);
    await opened(other);
    const closed = Promise.all([other.hostChannel, other.guestChannel].map((c) => until((r) => c.on('close', () => r(undefined)), 'a channel to close')));
    other.host.socket.send({ type: 'end-session', rid: 1 });
    await closed;
  });

  it('fans one sealed copy of each group frame out to every relayed guest; a guest that left cannot read the next epoch', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const relay = new HostRelay({ url: relayUrl(server), sessionId: host.sessionId, hostToken: host.hostToken, WebSocket: NodeWebSocket });
    closers.push(() => relay.close());
    const guests: { id: string; channel: RelayChannel; frames: Uint8Array[] }[] = [];
    for (let i = 0; i < 5; i++) {
      const socket = await joinAsGuest(server, await createLink(host.socket), `G${i}`);
      const joined = await socket.expect('joined');
      closers.push(() => socket.ws.close());
      const hostChannel = relay.channel(joined.guestId, { requireAuth: false });
      const guest = openGuestRelay({ url: guestRelayUrl(server), guestId: joined.guestId, resumeToken: joined.resumeToken!, WebSocket: NodeWebSocket });
      closers.push(() => guest.channel.close());
      const frames: Uint8Array[] = [];
      guest.channel.on('dom', (f) => frames.push(f));
      await until((r) => hostChannel.on('open', () => r(undefined)), 'a channel to open');
      relay.join(joined.guestId);
      guests.push({ id: joined.guestId, channel: guest.channel, frames });
    }
    const before = relay.bytesSent;
    const bytes = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 13) % 256);
    relay.groupSink.sendPayload({ bytes, compressed: false });
    await until((r) => { const t = setInterval(() => { if (guests.every((g) => g.frames.length === 1)) { clearInterval(t); r(undefined); } }, 20); }, 'every guest to get the frame');
    for (const g of guests) expect(g.frames[0]!.length).toBe(bytes.length + 1); // our framing's flag byte, then the payload
    const upload = relay.bytesSent - before;
    expect(upload, 'the host uploads the frame once, not once per guest').toBeLessThan(bytes.length * 1.1);

    // The last guest leaves the group (say it was removed and the server kept its socket): a new epoch, not handed to it.
    const gone = guests.pop()!;
    relay.leave(gone.id);
    relay.groupSink.sendPayload({ bytes: new Uint8Array([9, 9, 9]), compressed: false });
    await until((r) => { const t = setInterval(() => { if (guests.every((g) => g.frames.length === 2)) { clearInterval(t); r(undefined); } }, 20); }, 'the others to get the next frame');
    await until((r) => { const t = setInterval(() => { if (gone.channel.drops.otherEpoch > 0) { clearInterval(t); r(undefined); } }, 20); }, 'the departed guest to drop it');
    expect(gone.frames).toHaveLength(1);
  });

  it('random frames from admitted host and guest sockets never crash the server, which relays on for others', async () => {
    const server = await startTestServer();
    const host = await connectHost(server);
    const guest = await joinAsGuest(server, await createLink(host.socket), 'Fuzz');
    const joined = await guest.expect('joined');
    closers.push(() => guest.ws.close());
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const noise = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256)));
    for (const hello of [
      { type: 'relay-hello', v: PROTOCOL_VERSION, role: 'host', sessionId: host.sessionId, hostToken: host.hostToken },
      { type: 'relay-hello', v: PROTOCOL_VERSION, role: 'guest', guestId: joined.guestId, resumeToken: joined.resumeToken },
    ]) {
      const raw = await rawRelay(server);
      raw.ws.send(JSON.stringify(hello));
      await until((r) => { const t = setInterval(() => { if (raw.messages.some((m) => m.includes('relay-ready'))) { clearInterval(t); r(undefined); } }, 10); }, 'relay-ready');
      for (let i = 0; i < 300 && raw.ws.readyState === WebSocket.OPEN; i++) {
        const frame = noise(1 + Math.floor(next() * 300));
        if (next() < 0.5) frame[0] = 1 + Math.floor(next() * 2); // a plausible kind byte, now and then
        raw.ws.send(frame);
      }
      raw.ws.close();
    }
    const pair = await relayedPair(server);
    await opened(pair);
    const dom = until<Uint8Array>((r) => pair.guestChannel.on('dom', r), 'a frame after the noise');
    pair.hostChannel.sendDom(new Uint8Array([1, 2]));
    expect([...(await dom)]).toEqual([1, 2]);
    expect(server.relayCounters!.dropped).toBeGreaterThan(0);
  });

  it('is not there when CWMN_RELAY=off', async () => {
    const server = await startTestServer({ relay: 'off' });
    const ws = new WebSocket(relayUrl(server), { origin: server.origin });
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(404);
  });
});
