// The host's end of one guest: the peer connection, the ordered outbound
// queue, and validation of everything the guest sends. It reports typed
// events; it never touches the page, the room or the signaling socket.

import { Emitter } from '../common/emitter.js';
import { RateLimiter } from '../common/rate-limiter.js';
import {
  decodePayload, FrameAssembler, MAX_POINTER_MESSAGE_BYTES, parseGuestDomMessage, parseGuestPointerMessage,
  type CwmnError, type HostPointerMessage, type Payload, type SignalData,
} from '../protocol/index.js';
import { Peer, type PeerOptions } from '../peer/peer.js';
import { OutboundQueue } from './outbound-queue.js';

/** Pointer-channel messages accepted from one guest per second (bursts: twice that). */
export const GUEST_POINTER_RATE = 120;
/** Resync requests accepted from one guest per second. */
export const GUEST_RESYNC_RATE = 0.5;
/** Largest DOM-channel message accepted from a guest (they send only small requests). */
export const MAX_GUEST_DOM_MESSAGE_BYTES = 16 * 1024;

export type GuestLinkEvents = {
  /** Negotiation data for the server to relay to this guest. */
  signal: (data: SignalData) => void;
  /** The data channels are open: the guest needs a snapshot. */
  open: () => void;
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

export class GuestLink extends Emitter<GuestLinkEvents> {
  private readonly peer: Peer;
  private readonly queue: OutboundQueue;
  private readonly inbound = new FrameAssembler(MAX_GUEST_DOM_MESSAGE_BYTES);
  private readonly pointerLimiter = new RateLimiter(GUEST_POINTER_RATE, GUEST_POINTER_RATE * 2);
  private readonly resyncLimiter = new RateLimiter(GUEST_RESYNC_RATE, 2);
  private closed = false;

  constructor(readonly guestId: string, iceServers: RTCIceServer[], options: Pick<PeerOptions, 'secret' | 'requireAuth' | 'RTCPeerConnection'> = {}) {
    super();
    this.peer = new Peer({ ...options, initiator: true, iceServers });
    this.queue = new OutboundQueue(this.peer, () => this.emit('resync'));
    this.peer.on('signal', (data) => this.emit('signal', data));
    this.peer.on('open', () => this.emit('open'));
    this.peer.on('drain', () => this.queue.pump());
    this.peer.on('pointer', (text) => this.handlePointerText(text));
    this.peer.on('dom', (frame) => this.handleDomFrame(frame));
    this.peer.on('error', (err) => this.emit('error', err));
    this.peer.on('close', () => this.destroy());
  }

  get isOpen(): boolean {
    return this.peer.isOpen;
  }

  get bytesSent(): number {
    return this.queue.bytesSent;
  }

  handleSignal(data: SignalData): void {
    void this.peer.handleSignal(data);
  }

  /** Queues an encoded DOM-channel message. */
  sendPayload(payload: Payload): void {
    if (!this.closed) this.queue.enqueue(payload);
  }

  /** Sends a pointer-channel message (lossy). */
  sendPointer(message: HostPointerMessage): void {
    this.peer.sendPointer(JSON.stringify(message));
  }

  /** Closes the link. Idempotent; emits `close` once. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.clear();
    this.peer.destroy();
    this.emit('close');
    this.removeAllListeners();
  }

  private handlePointerText(text: string): void {
    if (text.length > MAX_POINTER_MESSAGE_BYTES || !this.pointerLimiter.take()) return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return;
    }
    const m = parseGuestPointerMessage(json);
    if (!m) return;
    if (m.t === 'pointer') this.emit('pointer', m.x, m.y);
    else this.emit('click', m.x, m.y);
  }

  private handleDomFrame(frame: Uint8Array): void {
    let payload: Payload | null;
    try {
      payload = this.inbound.push(frame);
    } catch {
      return; // Malformed frames from a guest are dropped; the assembler has reset.
    }
    if (!payload) return;
    decodePayload(payload, MAX_GUEST_DOM_MESSAGE_BYTES).then((json) => {
      const m = parseGuestDomMessage(json);
      if (m?.t === 'bye') this.emit('bye');
      else if (m?.t === 'resync' && this.resyncLimiter.take()) this.emit('resync');
    }, () => { /* undecodable: dropped */ });
  }
}
