// One host–guest pair over the relay, as a Transport: the handshake, then
// page data and pointer messages sealed end to end (relay-crypto.ts), and on
// the guest, the group's frames the host sealed once for every relayed guest.
// The socket under it is someone else's (host-relay.ts multiplexes every guest
// of a session on one; guest-relay.ts has one channel): they hand it bodies
// with `receive()`, and take what it sends into their one ordered queue
// (relay-outbox.ts), which also holds back what the socket cannot take yet.

import { Emitter } from '../common/emitter.js';
import { CwmnError, ErrorCode } from '../protocol/index.js';
import type { Transport, TransportEvents, TransportKind } from '../transport/transport.js';
import {
  answersHandshake, deriveKeys, GroupOpener, groupEpochOf, helloBody, isGroupBody, isHello, Lane, newHandshake, readHello, verifyHello,
  type Handshake, type Opener, type RelayRole, type Sealer,
} from './relay-crypto.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Largest page-data frame a relay channel takes (the outbound queue's chunks fit in one relay frame). */
export const RELAY_CHUNK_BYTES = 64 * 1024;

/** What a channel needs of the socket under it. */
export interface RelayWire {
  /** Queues one body for the other end; `seal` makes it when its turn comes (`bytes`: its size before sealing). */
  enqueue(seal: () => Promise<Uint8Array>, bytes: number): void;
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
  /** Group bodies of an epoch this guest was not handed (yet, or any more). */
  otherEpoch: number;
  /** Hellos refused (bad MAC, or none where one is required). */
  hellos: number;
}

export class RelayChannel extends Emitter<TransportEvents> implements Transport {
  readonly kind: TransportKind = 'relay';
  readonly maxMessageSize = RELAY_CHUNK_BYTES + 1;
  readonly drops: RelayDrops = { unauthenticated: 0, replayed: 0, hellos: 0, otherEpoch: 0 };
  private own: Handshake | null = null;
  private sealer: Sealer | null = null;
  private opener: Opener | null = null;
  /** Guest: the group key's epochs it was handed (the newest two). */
  private groups: GroupOpener[] = [];
  /** Inbound bodies are handled one at a time, in order (keys may still be being derived). */
  private inbound: Promise<void> = Promise.resolve();
  private opened = false;
  private closed = false;

  constructor(private readonly wire: RelayWire, private readonly options: RelayChannelOptions) {
    super();
  }

  get isOpen(): boolean {
    return this.opened && !this.closed;
  }

  /** Always 0: the socket's one queue holds back what cannot leave yet (so this guest's frames never pass the group's). */
  get bufferedAmount(): number {
    return 0;
  }

  /** Guest side: starts a (new) handshake by sending our hello. */
  start(): void {
    if (this.closed || this.options.role !== 'guest') return;
    this.inbound = this.inbound.then(async () => {
      const own = await newHandshake();
      this.own = own;
      const hello = await helloBody('guest', this.options.guestId, own, this.options.secret);
      this.wire.enqueue(async () => hello, hello.length);
    }).catch((err: unknown) => this.fail(new CwmnError(ErrorCode.DATA_CHANNEL, 'Relay handshake failed', { cause: err })));
  }

  /** A body from the other end (its bytes are this channel's from now on). */
  receive(body: Uint8Array): void {
    if (this.closed) return;
    this.inbound = this.inbound.then(() => {
      if (isHello(body)) return this.handleHello(body);
      return isGroupBody(body) ? this.handleGroup(body) : this.handleSealed(body);
    });
  }

  /** Host: hands this guest the group key of an epoch (before any group frame of it). */
  sendGroupKey(handover: Uint8Array): boolean {
    return this.sendSealed(Lane.GROUP_KEY, handover);
  }

  sendDom(frame: Uint8Array): boolean {
    return this.sendSealed(Lane.DOM, frame);
  }

  sendPointer(text: string): boolean {
    return this.sendSealed(Lane.POINTER, encoder.encode(text));
  }

  /** The socket under this channel is gone (or the other end left it). */
  wireClosed(reason: string): void {
    this.fail(new CwmnError(ErrorCode.DATA_CHANNEL, reason));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sealer = this.opener = this.own = null;
    this.groups = [];
    this.emit('close');
    this.removeAllListeners();
  }

  private sendSealed(lane: Lane, plaintext: Uint8Array): boolean {
    const sealer = this.sealer;
    if (!this.isOpen || !sealer) return false;
    this.wire.enqueue(() => sealer.seal(lane, plaintext), plaintext.length);
    return true;
  }

  private async handleHello(body: Uint8Array): Promise<void> {
    const { role, guestId, secret, requireAuth } = this.options;
    const hello = readHello(body);
    const other: RelayRole = role === 'host' ? 'guest' : 'host';
    // A guest takes only the answer to its latest hello (an earlier one's answer may still be on the way).
    if (!hello || (role === 'guest' && (!this.own || !answersHandshake(hello, this.own)))) {
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
    // A guest without the link's secret (a link the server delivered) says so with a hello
    // that has no MAC: where that is allowed, the pair does without the secret on both ends.
    const pairSecret = hello.mac !== null ? secret : undefined;
    const keys = await deriveKeys(role, guestId, own, hello, pairSecret);
    if (this.closed) return;
    if (role === 'host') {
      const answer = await helloBody('host', guestId, own, pairSecret, hello);
      this.wire.enqueue(async () => answer, answer.length);
    }
    this.sealer = keys.sealer;
    this.opener = keys.opener;
    this.opened = true;
    // A new handshake on an open channel starts over: its page data begins again with a snapshot.
    this.emit('open');
  }

  private async handleSealed(body: Uint8Array): Promise<void> {
    if (!this.opener) {
      this.drops.unauthenticated++;
      return;
    }
    const opened = this.checked(await this.opener.open(body));
    if (!opened) return;
    if (opened.lane === Lane.DOM) this.emit('dom', opened.plaintext);
    else if (opened.lane === Lane.POINTER) this.emit('pointer', decoder.decode(opened.plaintext));
    else if (this.options.role === 'guest') await this.takeGroupKey(opened.plaintext);
  }

  /** Counts what an opener refused (a body that does not authenticate leaves a gap); the opened body otherwise. */
  private checked<T>(opened: T | 'replayed' | null): T | null {
    if (opened === 'replayed') {
      this.drops.replayed++;
      return null;
    }
    if (opened === null) {
      this.drops.unauthenticated++;
      this.emit('gap');
      return null;
    }
    return this.closed ? null : opened;
  }

  private async takeGroupKey(handover: Uint8Array): Promise<void> {
    const group = await GroupOpener.from(handover);
    if (!group) return;
    this.groups = [...this.groups.filter((g) => g.epoch !== group.epoch), group].slice(-2);
  }

  /** Guest: a frame the host sealed once for every relayed guest. */
  private async handleGroup(body: Uint8Array): Promise<void> {
    if (this.options.role !== 'guest') return;
    const group = this.groups.find((g) => g.epoch === groupEpochOf(body));
    if (!group) {
      this.drops.otherEpoch++; // Sent before this guest was handed the key, or after it left the group.
      return;
    }
    const plaintext = this.checked(await group.open(body));
    if (plaintext) this.emit('dom', plaintext);
  }

  private fail(err: CwmnError): void {
    if (this.closed) return;
    this.emit('error', err);
    this.close();
  }
}
