// GuestLink's choice of transport, with stand-in transports and a fake clock:
// direct first, the relay when direct does not open in time, stalls or fails,
// back to direct when an ICE restart (or a later offer) opens, `off` and `always`.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../../src/common/emitter.js';
import { DIRECT_RETRY_MS, GuestLink, RELAY_AFTER_MS, type LinkTransports } from '../../../src/host/guest-link.js';
import type { Peer, PeerEvents } from '../../../src/peer/peer.js';
import type { RelayMode, SignalData } from '../../../src/protocol/index.js';
import type { Transport, TransportEvents, TransportKind } from '../../../src/transport/transport.js';

class FakeTransport extends Emitter<PeerEvents> implements Transport {
  isOpen = false;
  closed = false;
  restarts = 0;
  sent: Uint8Array[] = [];
  constructor(readonly kind: TransportKind, readonly restartable = false) {
    super();
  }
  get bufferedAmount(): number { return 0; }
  get maxMessageSize(): number { return 64 * 1024; }
  sendDom(frame: Uint8Array): boolean {
    if (!this.isOpen) return false;
    this.sent.push(frame);
    return true;
  }
  sendPointer(): boolean { return this.isOpen; }
  async handleSignal(): Promise<void> {}
  open(): void {
    this.isOpen = true;
    this.emit('open');
  }
  restartIce(): void {
    this.restarts += 1;
  }
  /** The peer lost its path and waits for a restart. */
  stall(): void {
    this.isOpen = false;
    this.emit('stalled');
  }
  /** The transport failed by itself. */
  fail(): void {
    this.isOpen = false;
    this.emit('close');
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.isOpen = false;
    this.emit('close');
  }
}

function setup(mode: RelayMode, withRelay = true) {
  const peers: FakeTransport[] = [];
  const relays: FakeTransport[] = [];
  const transports: LinkTransports = {
    mode,
    direct: ({ restartable }) => {
      const p = new FakeTransport('direct', restartable);
      peers.push(p);
      return p as unknown as Peer;
    },
    relay: withRelay ? () => {
      const r = new FakeTransport('relay');
      relays.push(r);
      return r;
    } : undefined,
  };
  const link = new GuestLink('guest01', transports);
  const opens: TransportKind[] = [];
  const signals: SignalData[] = [];
  let closed = false;
  link.on('open', (kind) => opens.push(kind));
  link.on('signal', (d) => signals.push(d));
  link.on('close', () => { closed = true; });
  link.start();
  return { link, peers, relays, opens, signals, isClosed: () => closed };
}

describe('GuestLink transports', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('stays direct when the peer opens in time; the relay is never started', () => {
    const t = setup('auto');
    t.peers[0]!.open();
    vi.advanceTimersByTime(RELAY_AFTER_MS * 2);
    expect(t.opens).toEqual(['direct']);
    expect(t.relays).toHaveLength(0);
    expect(t.link.kind).toBe('direct');
  });

  it('moves to the relay when the peer is not open in time and tells the guest why; the peer stays, to be restarted', () => {
    const t = setup('auto');
    vi.advanceTimersByTime(RELAY_AFTER_MS - 1);
    expect(t.relays).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(t.relays).toHaveLength(1);
    expect(t.signals).toContainEqual({ relay: { reason: 'blocked' } });
    t.relays[0]!.open();
    expect(t.opens).toEqual(['relay']);
    expect(t.peers[0]!.restartable).toBe(true);
    expect(t.peers[0]!.closed).toBe(false);
    expect(t.link.kind).toBe('relay');
    // Page data goes to the relay now.
    t.link.sendPayload({ bytes: new Uint8Array([1, 2, 3]), compressed: false });
    expect(t.relays[0]!.sent).toHaveLength(1);
  });

  it('while relayed, restarts the peer\'s ICE later and moves back to direct when its path opens, without a new peer', () => {
    const t = setup('auto');
    vi.advanceTimersByTime(RELAY_AFTER_MS);
    t.relays[0]!.open();
    vi.advanceTimersByTime(DIRECT_RETRY_MS - 1);
    expect(t.peers[0]!.restarts).toBe(0);
    vi.advanceTimersByTime(1);
    expect(t.peers[0]!.restarts).toBe(1);
    t.peers[0]!.open();
    expect(t.peers).toHaveLength(1);
    expect(t.opens).toEqual(['relay', 'direct']);
    expect(t.relays[0]!.closed).toBe(true);
    expect(t.link.kind).toBe('direct');
  });

  it('a restart that finds no path is tried again twice as late; a peer that is gone is replaced by a new offer', () => {
    const t = setup('auto');
    vi.advanceTimersByTime(RELAY_AFTER_MS);
    t.relays[0]!.open();
    vi.advanceTimersByTime(DIRECT_RETRY_MS);
    t.peers[0]!.stall(); // The restart found no path either.
    expect(t.link.kind).toBe('relay');
    vi.advanceTimersByTime(DIRECT_RETRY_MS * 2 - 1);
    expect(t.peers[0]!.restarts).toBe(1);
    vi.advanceTimersByTime(1);
    expect(t.peers[0]!.restarts).toBe(2);
    t.peers[0]!.fail(); // Its channels closed: nothing left to restart.
    expect(t.link.kind).toBe('relay');
    vi.advanceTimersByTime(DIRECT_RETRY_MS * 4);
    expect(t.peers).toHaveLength(2);
    t.peers[1]!.open();
    expect(t.link.kind).toBe('direct');
  });

  it('a direct path that stalls moves the guest to the relay at once, and an ICE restart brings it back', () => {
    const t = setup('auto');
    t.peers[0]!.open();
    t.peers[0]!.stall();
    expect(t.link.isOpen).toBe(false);
    expect(t.signals).toContainEqual({ relay: { reason: 'blocked' } });
    t.relays[0]!.open();
    expect(t.opens).toEqual(['direct', 'relay']);
    vi.advanceTimersByTime(DIRECT_RETRY_MS);
    expect(t.peers[0]!.restarts).toBe(1);
    t.peers[0]!.open();
    expect(t.opens).toEqual(['direct', 'relay', 'direct']);
    expect(t.peers).toHaveLength(1);
  });

  it('a direct link that fails later moves to the relay without closing the link', () => {
    const t = setup('auto');
    t.peers[0]!.open();
    t.peers[0]!.fail();
    expect(t.isClosed()).toBe(false);
    expect(t.relays).toHaveLength(1);
    t.relays[0]!.open();
    expect(t.opens).toEqual(['direct', 'relay']);
  });

  it('with CWMN_RELAY=off, a failed peer closes the link (the session offers a new one)', () => {
    const t = setup('off', false);
    expect(t.peers[0]!.restartable).toBe(false);
    t.peers[0]!.open();
    t.peers[0]!.fail();
    expect(t.isClosed()).toBe(true);
    expect(t.relays).toHaveLength(0);
  });

  it('with CWMN_RELAY=always, the relay only; its failure closes the link', () => {
    const t = setup('always');
    expect(t.peers).toHaveLength(0);
    expect(t.signals).toEqual([{ relay: { reason: 'policy' } }]);
    t.relays[0]!.open();
    expect(t.opens).toEqual(['relay']);
    t.relays[0]!.fail();
    expect(t.isClosed()).toBe(true);
  });

  it('useRelay moves a direct guest to the relay (a big room), and no later offer moves it back', () => {
    const t = setup('auto');
    t.peers[0]!.open();
    t.link.useRelay('room');
    expect(t.signals).toContainEqual({ relay: { reason: 'room' } });
    t.relays[0]!.open();
    expect(t.opens).toEqual(['direct', 'relay']);
    expect(t.peers[0]!.closed).toBe(true);
    vi.advanceTimersByTime(DIRECT_RETRY_MS * 10);
    expect(t.peers).toHaveLength(1);
  });

  it('destroy closes every transport and cancels its timers', () => {
    const t = setup('auto');
    t.link.destroy();
    t.link.destroy();
    expect(t.peers[0]!.closed).toBe(true);
    vi.advanceTimersByTime(RELAY_AFTER_MS * 2);
    expect(t.relays).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
