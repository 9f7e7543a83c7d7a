// The guest list of the session: who is connected and where their pointer is.
// Reports joins, leaves and a throttled "changed" signal; knows no transport.

import { Emitter } from '../common/emitter.js';
import { throttle } from '../common/throttle.js';
import { POINTER_INTERVAL_MS, type GuestRecord } from '../protocol/index.js';
import type { Guest } from './guest.js';

export type RoomEvents = {
  connected: (guest: Guest) => void;
  disconnected: (guest: Guest) => void;
  /** The list or a pointer changed; at most once per `POINTER_INTERVAL_MS`. */
  changed: (guests: Guest[]) => void;
};

export class Room extends Emitter<RoomEvents> {
  private readonly guests = new Map<string, Guest>();
  private readonly notify = throttle(() => this.emit('changed', this.list()), POINTER_INTERVAL_MS);

  /** Connected guests, oldest first (copies: callers may keep them). */
  list(): Guest[] {
    return [...this.guests.values()].map((g) => ({ ...g }));
  }

  get(guestId: string): Guest | undefined {
    const g = this.guests.get(guestId);
    return g && { ...g };
  }

  get size(): number {
    return this.guests.size;
  }

  /** A guest's link opened. No-op when already connected. */
  connect(record: GuestRecord): void {
    if (this.guests.has(record.id)) return;
    const guest: Guest = { id: record.id, name: record.name, isHidden: false, x: null, y: null, joinedAt: record.joinedAt };
    this.guests.set(guest.id, guest);
    this.emit('connected', { ...guest });
    this.notify();
  }

  disconnect(guestId: string): void {
    const guest = this.guests.get(guestId);
    if (!guest) return;
    this.guests.delete(guestId);
    this.emit('disconnected', { ...guest });
    this.notify();
  }

  movePointer(guestId: string, x: number, y: number): void {
    const guest = this.guests.get(guestId);
    if (!guest || (guest.x === x && guest.y === y)) return;
    guest.x = x;
    guest.y = y;
    this.notify();
  }

  /** Stops pending notifications. Idempotent. */
  destroy(): void {
    this.notify.cancel();
    this.guests.clear();
    this.removeAllListeners();
  }
}
