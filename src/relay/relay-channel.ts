// One host–guest pair over the relay, as a Transport: the handshake, then
// page data and pointer messages sealed end to end (relay-crypto.ts). The
// socket under it is someone else's (host-relay.ts multiplexes every guest
// of a session on one; guest-relay.ts has one channel): they hand it bodies
// with `receive()` and tell it when the wire drains, pauses or goes away.

import { Emitter } from '../common/emitter.js';
import { CwmnError, ErrorCode } from '../protocol/index.js';
import { BUFFER_HIGH_BYTES, type Transport, type TransportEvents, type TransportKind } from '../transport/transport.js';
import {
  deriveKeys, helloBody, isHello, Lane, newHandshake, readHello, verifyHello,
  type Handshake, type Opener, type RelayRole, type Sealer,
} from './relay-crypto.js';

/** Largest page-data frame a relay channel takes (the outbound queue's chunks fit in one relay frame). */
export const RELAY_CHUNK_BYTES = 64 * 1024;

/** What a channel needs of the socket under it. */
export interface RelayWire {
  /** Sends one body to the other end; false when the socket is not open. */
  send(body: Uint8Array): boolean;
  /** Bytes the socket has not sent yet. */
  readonly bufferedAmount: number;
}

export interface RelayChannelOptions {
  role: RelayRole;
  guestId: string;
  /** The link's secret: hellos are MACed with it, and keys salted with it. */
  secret?: string;
  /** Refuse the other side's hello without a valid MAC. */
  requireAuth?: boolean;
}

/** Counts of what this channel refused, for tests and diagnostics. */
export interface RelayDrops {
  /** Bodies that did not authenticate or were malformed. */
  unauthenticated: number;
  /** Bodies whose counter was not above the last one accepted. */
  replayed: number;
  /** Hellos refused (bad MAC, or none where one is required). */
  hellos: number;
}

export class RelayChannel extends Emitter<TransportEvents> implements Transport {
  readonly kind: TransportKind = 'relay';
  readonly maxMessageSize = RELAY_CHUNK_BYTES + 1;
  readonly drops: RelayDrops = { unauthenticated: 0, replayed: 0, hellos: 0 };
  private own: Handshake | null = null;
  private sealer: Sealer | null = null;
  private opener: Opener | null = null;
  /** Inbound bodies are handled one at a time, in order (keys may still be being derived). */
  private inbound: Promise<void> = Promise.resolve();
  /** Outbound bodies leave in the order they were sealed. */
  private outbound: Promise<void> = Promise.resolve();
  private pendingBytes = 0;
  private busy = false;
  private opened = false;
  private closed = false;

  constructor(private readonly wire: RelayWire, private readonly options: RelayChannelOptions) {
    super();
  }

  get isOpen(): boolean {
    return this.opened && !this.closed;
  }

  get bufferedAmount(): number {
    return this.wire.bufferedAmount + this.pendingBytes + (this.busy ? BUFFER_HIGH_BYTES : 0);
  }

  /** Guest side: starts a (new) handshake by sending our hello. */
  start(): void {
    if (this.closed || this.options.role !== 'guest') return;
    this.inbound = this.inbound.then(async () => {
      const own = await newHandshake();
      this.own = own;
      this.wire.send(await helloBody('guest', this.options.guestId, own, this.options.secret));
    }).catch((err: unknown) => this.fail(new CwmnError(ErrorCode.DATA_CHANNEL, 'Relay handshake failed', { cause: err })));
  }

  /** A body from the other end. */
  receive(body: Uint8Array): void {
    if (this.closed) return;
    const copy = body.slice();
    this.inbound = this.inbound.then(() => (isHello(copy) ? this.handleHello(copy) : this.handleSealed(copy)));
  }

  sendDom(frame: Uint8Array): boolean {
    return this.sendSealed(Lane.DOM, frame);
  }

  sendPointer(text: string): boolean {
    return this.sendSealed(Lane.POINTER, new TextEncoder().encode(text));
  }

  /** The server holds too much for the other end: pause (or resume) the page-data lane. */
  setBusy(busy: boolean): void {
    this.busy = busy;
    this.drained();
  }

  /** The wire has room again: tell the queue, if we are below the low-water mark. */
  drained(): void {
    if (this.isOpen && this.bufferedAmount < BUFFER_HIGH_BYTES / 4) this.emit('drain');
  }

  /** The socket under this channel is gone (or the other end left it). */
  wireClosed(reason: string): void {
    this.fail(new CwmnError(ErrorCode.DATA_CHANNEL, reason));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sealer = this.opener = this.own = null;
    this.emit('close');
    this.removeAllListeners();
  }

  private sendSealed(lane: Lane, plaintext: Uint8Array): boolean {
    const sealer = this.sealer;
    if (!this.isOpen || !sealer) return false;
    const sealed = sealer.seal(lane, plaintext);
    this.pendingBytes += plaintext.length;
    this.outbound = this.outbound
      .then(() => sealed)
      .then((body) => {
        this.pendingBytes -= plaintext.length;
        if (!this.closed && this.sealer === sealer) this.wire.send(body);
      }, () => { this.pendingBytes -= plaintext.length; });
    return true;
  }

  private async handleHello(body: Uint8Array): Promise<void> {
    const { role, guestId, secret, requireAuth } = this.options;
    const hello = readHello(body);
    const other: RelayRole = role === 'host' ? 'guest' : 'host';
    if (!hello || (role === 'guest' && !this.own)) {
      this.drops.hellos++;
      return;
    }
    // With a secret, a hello that carries a MAC must verify; one without a MAC passes only where allowed.
    const own = role === 'guest' ? this.own! : await newHandshake();
    const answered = role === 'guest' ? own : undefined;
    const verified = secret !== undefined && hello.mac !== null && await verifyHello(secret, other, guestId, hello, answered);
    const refuse = hello.mac !== null ? !verified : (role === 'guest' ? secret !== undefined : requireAuth === true);
    if (refuse) {
      this.drops.hellos++;
      return;
    }
    const keys = await deriveKeys(role, guestId, own, hello, secret);
    if (this.closed) return;
    if (role === 'host') this.wire.send(await helloBody('host', guestId, own, secret, hello));
    this.sealer = keys.sealer;
    this.opener = keys.opener;
    this.opened = true;
    // A new handshake on an open channel starts over: its page data begins again with a snapshot.
    this.emit('open');
  }

  private async handleSealed(body: Uint8Array): Promise<void> {
    const opener = this.opener;
    if (!opener) {
      this.drops.unauthenticated++;
      return;
    }
    const opened = await opener.open(body);
    if (!opened) {
      this.drops.unauthenticated++;
      this.emit('gap');
      return;
    }
    if (!opener.accept(opened.counter)) {
      this.drops.replayed++;
      return;
    }
    if (this.closed) return;
    if (opened.lane === Lane.DOM) this.emit('dom', opened.plaintext);
    else this.emit('pointer', new TextDecoder().decode(opened.plaintext));
  }

  private fail(err: CwmnError): void {
    if (this.closed) return;
    this.emit('error', err);
    this.close();
  }
}
