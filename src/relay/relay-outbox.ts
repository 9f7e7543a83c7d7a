// The one queue of a relay socket: every frame for every guest, and for the
// whole group, leaves in the order it was handed in, sealed just before it
// leaves (so nonces follow that order too). One queue keeps a guest's snapshot
// (sent to it alone) ahead of the group's changes that follow it. It holds
// back what the socket cannot take yet, and reports an overflow instead of
// growing without bound.

import { BUFFER_HIGH_BYTES } from '../transport/transport.js';
import type { RelaySocket } from './relay-socket.js';

/** Past this many bytes waiting, the queue is dropped and its owner told (its guests need fresh snapshots). */
export const MAX_RELAY_QUEUED_BYTES = 96 * 1024 * 1024;

interface Item {
  /** Seals the body and adds its address: the frame the socket sends. */
  seal: () => Promise<Uint8Array>;
  bytes: number;
}

export class RelayOutbox {
  private items: Item[] = [];
  private head = 0;
  private queued = 0;
  private sealing = 0;
  private chain: Promise<void> = Promise.resolve();
  /** Bytes handed to the socket, for diagnostics and benchmarks. */
  bytesSent = 0;

  constructor(private readonly socket: RelaySocket, private readonly onOverflow: () => void) {
    socket.on('drain', () => this.pump());
  }

  /** Bytes waiting here or in the socket. */
  get bufferedAmount(): number {
    return this.queued + this.sealing + this.socket.bufferedAmount;
  }

  push(seal: () => Promise<Uint8Array>, bytes: number): void {
    this.items.push({ seal, bytes });
    this.queued += bytes;
    if (this.queued > MAX_RELAY_QUEUED_BYTES) {
      this.clear();
      this.onOverflow();
      return;
    }
    this.pump();
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.queued = 0;
  }

  private pump(): void {
    while (this.head < this.items.length && this.socket.bufferedAmount + this.sealing < BUFFER_HIGH_BYTES) {
      const item = this.items[this.head++]!;
      this.queued -= item.bytes;
      this.sealing += item.bytes;
      const sealed = item.seal(); // Counters are taken now, in queue order.
      this.chain = this.chain
        .then(() => sealed)
        .then((frame) => {
          if (this.socket.send(frame)) this.bytesSent += frame.length;
        }, () => { /* a key that is gone: the frame is moot */ })
        .finally(() => {
          this.sealing -= item.bytes;
          this.pump();
        });
    }
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
  }
}
