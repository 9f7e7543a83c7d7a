// The host's end of one guest: which transport carries its page data (the
// direct peer connection, or the relay through the server when a direct path
// cannot be made), the ordered outbound queue, and validation of everything
// the guest sends. It reports typed events; it never touches the page, the
// room or the signaling socket.

import { Emitter } from '../common/emitter.js';
import { RateLimiter } from '../common/rate-limiter.js';
import {
  InboundDecoder, parseGuestDomMessage, parseGuestPointerMessage, parsePointerText,
  type CwmnError, type GuestDomMessage, type HostPointerMessage, type Payload, type RelayMode, type RelayReason, type SignalData,
} from '../protocol/index.js';
import type { Peer } from '../peer/peer.js';
import type { Transport, TransportKind } from '../transport/transport.js';
import { OutboundQueue, type FrameSink } from './outbound-queue.js';

/** Pointer-channel messages accepted from one guest per second (bursts: twice that). */
export const GUEST_POINTER_RATE = 120;
/** Resync requests accepted from one guest per second. */
export const GUEST_RESYNC_RATE = 0.5;
/** Largest DOM-channel message accepted from a guest (they send only small requests). */
export const MAX_GUEST_DOM_MESSAGE_BYTES = 16 * 1024;
/** In `auto` mode, a guest whose peer connection is not open this long after the offer goes through the relay. */
export const RELAY_AFTER_MS = 4_000;
/** While relayed, the direct path is looked for again (an ICE restart) after this long (doubling, at most `DIRECT_RETRY_MAX_MS`). */
export const DIRECT_RETRY_MS = 15_000;
const DIRECT_RETRY_MAX_MS = 120_000;

export type GuestLinkEvents = {
  /** Negotiation data for the server to forward to this guest. */
  signal: (data: SignalData) => void;
  /** A transport to the guest is open (first, or after a switch): the guest needs a snapshot. */
  open: (kind: TransportKind) => void;
  /** The open transport's path changed (`direct` ⇄ `turn`); no snapshot needed. */
  kind: (kind: TransportKind) => void;
  pointer: (x: number, y: number) => void;
  click: (x: number, y: number) => void;
  /** The guest needs a fresh snapshot (it asked, or it fell too far behind). */
  resync: () => void;
  /** The guest said it is leaving (its page is going away). */
  bye: () => void;
  /** The link failed; `close` follows. */
  error: (err: CwmnError) => void;
  close: () => void;
};

/** How a link makes its transports. */
export interface LinkTransports {
  /** A new direct peer connection (the offering side); `restartable` when the link will restart its ICE rather than drop it. */
  direct: (options: { restartable: boolean }) => Peer;
  /** A channel to this guest through the relay; absent when the server's relay is off. */
  relay?: () => Transport;
  /** `auto`: direct first, the relay when that fails; `always`: the relay only; `off`: direct only. */
  mode: RelayMode;
  /** Why the relay is used from the start (`always`); default `policy`. */
  relayReason?: RelayReason;
  relayAfterMs?: number;
  directRetryMs?: number;
}

export class GuestLink extends Emitter<GuestLinkEvents> implements FrameSink {
  private readonly queue: OutboundQueue;
  private readonly pointerLimiter = new RateLimiter(GUEST_POINTER_RATE, GUEST_POINTER_RATE * 2);
  private readonly resyncLimiter = new RateLimiter(GUEST_RESYNC_RATE, 2);
  /** The transport page data goes to; null until one is open. */
  private active: Transport | null = null;
  private peer: Peer | null = null;
  private relay: Transport | null = null;
  private readonly unsubscribe = new Map<Transport, () => void>();
  private fallbackTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryDelay: number;
  /** The relay carries this guest even when a direct path works (`always`, or a big room). */
  private preferRelay: boolean;
  /** Why the active transport failed (reported as the link's error when nothing takes over). */
  private failure: CwmnError | null = null;
  private closed = false;

  constructor(readonly guestId: string, private readonly transports: LinkTransports) {
    super();
    this.retryDelay = transports.directRetryMs ?? DIRECT_RETRY_MS;
    this.preferRelay = transports.mode === 'always' && !!transports.relay;
    this.queue = new OutboundQueue(this, () => this.emit('resync'));
  }

  /** Starts connecting (call once its events are wired: the first signal may be sent at once). */
  start(): void {
    const { mode, relay, relayReason, relayAfterMs } = this.transports;
    if (this.closed || this.peer || this.relay) return;
    if (this.preferRelay) {
      this.startRelay(relayReason ?? 'policy');
      return;
    }
    this.startDirect();
    if (mode === 'auto' && relay) this.fallbackTimer = setTimeout(() => this.startRelay('blocked'), relayAfterMs ?? RELAY_AFTER_MS);
  }

  get isOpen(): boolean {
    return this.active?.isOpen ?? false;
  }

  /** How page data reaches this guest now; null while no transport is open. */
  get kind(): TransportKind | null {
    return this.active?.kind ?? null;
  }

  get bytesSent(): number {
    return this.queue.bytesSent;
  }

  get bufferedAmount(): number {
    return this.active?.bufferedAmount ?? 0;
  }

  get maxMessageSize(): number {
    return this.active?.maxMessageSize ?? 16 * 1024;
  }

  handleSignal(data: SignalData): void {
    void this.peer?.handleSignal(data);
  }

  /** Queues an encoded DOM-channel message. */
  sendPayload(payload: Payload): void {
    if (!this.closed) this.queue.enqueue(payload);
  }

  /** Sends a pointer-channel message (lossy). */
  sendPointer(message: HostPointerMessage): void {
    this.active?.sendPointer(JSON.stringify(message));
  }

  /** Part of `FrameSink`: one frame to the active transport. */
  sendDom(frame: Uint8Array): boolean {
    return this.active?.sendDom(frame) ?? false;
  }

  /** Moves this guest to the relay now (a big room sends everyone through the server). */
  useRelay(reason: RelayReason): void {
    if (this.closed || !this.transports.relay || this.preferRelay) return;
    this.preferRelay = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.relay?.isOpen) this.opened(this.relay);
    else this.startRelay(reason);
  }

  /** Closes the link. Idempotent; emits `close` once. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.fallbackTimer);
    clearTimeout(this.retryTimer);
    this.queue.clear();
    for (const t of [this.peer, this.relay]) if (t) this.drop(t);
    this.active = null;
    this.emit('close');
    this.removeAllListeners();
  }

  private startDirect(): void {
    const peer = this.transports.direct({ restartable: this.canRestart() });
    this.peer = peer;
    const offSignal = peer.on('signal', (data) => this.emit('signal', data));
    const offStalled = peer.on('stalled', () => this.stalled(peer));
    this.watch(peer, offSignal, offStalled);
  }

  /** While the relay can carry the guest, a peer whose path is lost is kept and restarted instead of replaced. */
  private canRestart(): boolean {
    return this.transports.mode === 'auto' && !!this.transports.relay && !this.preferRelay;
  }

  private startRelay(reason: RelayReason): void {
    clearTimeout(this.fallbackTimer);
    if (this.closed || this.relay || !this.transports.relay) return;
    const relay = this.transports.relay();
    this.relay = relay;
    this.emit('signal', { relay: { reason } });
    this.watch(relay);
  }

  /** Wires one transport's events; the decoder is its own, so frames of two transports never mix. */
  private watch(t: Transport, ...extra: (() => void)[]): void {
    const inbound = new InboundDecoder<GuestDomMessage>({
      parse: parseGuestDomMessage,
      maxFrameBytes: MAX_GUEST_DOM_MESSAGE_BYTES,
      maxDecodedBytes: MAX_GUEST_DOM_MESSAGE_BYTES,
      onMessage: (m) => {
        if (m.t === 'bye') this.emit('bye');
        else if (this.resyncLimiter.take()) this.emit('resync');
      },
      onInvalid: () => { /* a guest's malformed messages are dropped */ },
    });
    const offs = [
      ...extra,
      t.on('open', () => this.opened(t)),
      t.on('kind', (kind) => {
        if (t === this.active) this.emit('kind', kind);
      }),
      t.on('dom', (frame) => inbound.push(frame)),
      t.on('pointer', (text) => this.handlePointerText(text)),
      t.on('drain', () => {
        if (t === this.active) this.queue.pump();
      }),
      t.on('error', (err) => {
        if (t === this.active) this.failure = err;
      }),
      t.on('close', () => this.lost(t)),
      () => inbound.stop(),
    ];
    this.unsubscribe.set(t, () => offs.forEach((off) => off()));
  }

  /**
   * A transport opened and takes over, unless the other one is preferred: a
   * direct path wins over the relay, except when the relay is preferred.
   */
  private opened(t: Transport): void {
    if (this.closed) return;
    const direct = t === this.peer;
    if (direct ? this.preferRelay : this.peer?.isOpen && !this.preferRelay) {
      this.forget(t);
      return;
    }
    clearTimeout(this.fallbackTimer);
    // The relay gives way to a direct path; a peer still looking for one stays, to be restarted.
    const other = direct ? this.relay : this.peer;
    if (other && (direct || !this.canRestart())) this.forget(other);
    if (direct) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.retryDelay = this.transports.directRetryMs ?? DIRECT_RETRY_MS;
    } else {
      this.scheduleDirectRetry();
    }
    this.activate(t);
  }

  /** The peer lost its path (or found none): the relay carries on, and the peer is restarted later. */
  private stalled(peer: Peer): void {
    if (this.closed || peer !== this.peer) return;
    const wasActive = peer === this.active;
    if (wasActive) this.active = null;
    this.carryOnRelayed(wasActive);
  }

  /** Closes a transport this link no longer wants (without the fallback that a failure brings). */
  private forget(t: Transport): void {
    if (t === this.peer) this.peer = null;
    if (t === this.relay) this.relay = null;
    if (t === this.active) this.active = null;
    this.drop(t);
  }

  private activate(t: Transport): void {
    this.active = t;
    this.failure = null;
    this.queue.clear(); // What was queued for the old transport is superseded by the snapshot that follows.
    this.emit('open', t.kind ?? 'direct');
  }

  /** A transport closed: fall back to the other one if it can carry on, else the link is over. */
  private lost(t: Transport): void {
    this.unsubscribe.get(t)?.();
    this.unsubscribe.delete(t);
    if (this.closed) return;
    const direct = t === this.peer;
    if (direct) this.peer = null;
    if (t === this.relay) this.relay = null;
    const wasActive = t === this.active;
    if (wasActive) this.active = null;
    if (direct && this.transports.relay && this.transports.mode !== 'off') {
      this.carryOnRelayed(wasActive); // A new peer is offered later.
      return;
    }
    if (this.peer?.isOpen && wasActive) {
      this.activate(this.peer);
      return;
    }
    if (wasActive || (!this.peer && !this.relay)) {
      // Nothing takes over: the active transport's failure is the link's.
      if (wasActive && this.failure) this.emit('error', this.failure);
      this.destroy();
    }
  }

  /** The direct path failed (or never made it): the relay carries the guest, and direct is tried again later. */
  private carryOnRelayed(directWasActive: boolean): void {
    if (!this.relay) this.startRelay('blocked');
    else if (this.relay.isOpen && directWasActive) this.activate(this.relay);
    this.scheduleDirectRetry();
  }

  /**
   * While relayed, look for a direct path now and then (a network that changed may allow
   * it): an ICE restart of the peer we have, or a new peer when it is gone. One try at a time.
   */
  private scheduleDirectRetry(): void {
    if (this.retryTimer !== undefined || this.transports.mode !== 'auto' || this.preferRelay) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(delay * 2, DIRECT_RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.closed) return;
      if (this.peer) this.peer.restartIce();
      else this.startDirect();
    }, delay);
  }

  private drop(t: Transport): void {
    this.unsubscribe.get(t)?.();
    this.unsubscribe.delete(t);
    t.close();
  }

  private handlePointerText(text: string): void {
    if (!this.pointerLimiter.take()) return;
    const m = parsePointerText(text, parseGuestPointerMessage);
    if (!m) return;
    if (m.t === 'pointer') this.emit('pointer', m.x, m.y);
    else this.emit('click', m.x, m.y);
  }
}
