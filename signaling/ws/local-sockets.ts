// The signaling sockets connected to this server, by session: the host's and
// the guests'. While a session has one here, this server listens on its topic
// of the bus and carries out what is meant for them, whoever published it.
// Who is in a session is the store's business (see presence.ts); this is only
// where the sockets on this process are.

import { CloseCode, type ServerToGuest, type ServerToHost } from '../../src/protocol/index.js';
import type { Bus, Delivery, Recipient } from '../bus/bus.js';
import { SessionRooms, type SessionRoom } from '../bus/session-rooms.js';
import { socketHolder } from '../state/holders.js';
import type { SocketHolder } from '../state/store.js';
import type { Client } from './client.js';

interface Held<T extends ServerToHost | ServerToGuest> {
  client: Client<T>;
  holder: SocketHolder;
  /** Messages that came before the socket was opened (see `Attached.open`); null once open. */
  queue: string[] | null;
}

/** A socket just attached: deliveries reach this server for it, and wait until `open()`. */
export interface Attached {
  holder: SocketHolder;
  /** Sends what waited, and from now on every message at once: call it right after the socket's first message. */
  open(): void;
}

type LocalRoom = SessionRoom<Held<ServerToHost>, Held<ServerToGuest>>;

export class LocalSockets {
  private readonly rooms: SessionRooms<Held<ServerToHost>, Held<ServerToGuest>>;
  private sockets = 0;

  constructor(bus: Bus, private readonly serverId: string) {
    this.rooms = new SessionRooms(bus, (sessionId, room, delivery) => this.deliver(sessionId, room, delivery));
  }

  /**
   * Makes `client` the session's host socket here (an older one here is
   * closed with 4000) and resolves to its holder, once deliveries for it
   * reach this server. An older one elsewhere is the caller's business.
   * Messages for it wait until it is opened (the first one it gets is its welcome).
   */
  async attachHost(sessionId: string, client: Client<ServerToHost>): Promise<Attached> {
    const room = this.rooms.open(sessionId);
    const held = this.held(client);
    const older = room.host;
    room.host = held;
    older?.client.close(CloseCode.REPLACED, 'replaced');
    await room.ready;
    return attached(held);
  }

  /** Forgets `client` as the host's socket; its holder when it still was the host's socket here, else null. */
  detachHost(sessionId: string, client: Client<ServerToHost>): SocketHolder | null {
    const room = this.rooms.get(sessionId);
    if (!room?.host || room.host.client !== client) return null;
    const { holder } = room.host;
    room.host = null;
    this.rooms.prune(sessionId);
    return holder;
  }

  /** Makes `client` a guest's socket here (closing an older one here, as for hosts); resolves to its holder. */
  async attachGuest(sessionId: string, guestId: string, client: Client<ServerToGuest>): Promise<Attached> {
    const room = this.rooms.open(sessionId);
    const held = this.held(client);
    const older = room.guests.get(guestId);
    room.guests.set(guestId, held);
    older?.client.close(CloseCode.REPLACED, 'replaced');
    await room.ready;
    return attached(held);
  }

  /** Forgets `client` as a guest's socket; its holder when it still was that guest's socket here, else null. */
  detachGuest(sessionId: string, guestId: string, client: Client<ServerToGuest>): SocketHolder | null {
    const room = this.rooms.get(sessionId);
    const held = room?.guests.get(guestId);
    if (!room || !held || held.client !== client) return null;
    room.guests.delete(guestId);
    this.rooms.prune(sessionId);
    return held.holder;
  }

  /** True while `client` is the guest's socket here (not replaced, removed or ended). */
  isGuestSocket(sessionId: string, guestId: string, client: Client<ServerToGuest>): boolean {
    return this.rooms.get(sessionId)?.guests.get(guestId)?.client === client;
  }

  /** Hosts and guests with a socket here (a walk over every room: for scrapes, not for hot paths). */
  census(): { hosts: number; guests: number } {
    const census = { hosts: 0, guests: 0 };
    for (const room of this.rooms.all()) {
      if (room.host) census.hosts++;
      census.guests += room.guests.size;
    }
    return census;
  }

  /** Stops listening on every session's topic (shutdown; the sockets themselves are closed by the hub). */
  close(): void {
    this.rooms.close();
  }

  private deliver(sessionId: string, room: LocalRoom, delivery: Delivery): void {
    if ((delivery.op !== 'send' && delivery.op !== 'close') || delivery.lane !== 'signaling') return; // The relay's.
    const targets = this.recipients(room, delivery.to);
    if (delivery.op === 'send') {
      for (const { held } of targets) {
        if (held.queue) held.queue.push(delivery.text);
        else held.client.sendText(delivery.text);
      }
      return;
    }
    // Out of the room first: a socket closed on purpose announces nothing when it goes.
    for (const { held, remove } of targets) {
      remove();
      held.client.close(delivery.code, delivery.reason);
    }
    this.rooms.prune(sessionId);
  }

  private recipients(room: LocalRoom, to: Recipient): { held: Held<ServerToHost | ServerToGuest>; remove: () => void }[] {
    const meant = (held: Held<ServerToHost | ServerToGuest> | null | undefined): held is Held<ServerToHost | ServerToGuest> =>
      !!held && (to.role === 'guests' || to.holder === undefined || to.holder === held.holder);
    if (to.role === 'host') {
      return meant(room.host) ? [{ held: room.host, remove: () => { room.host = null; } }] : [];
    }
    const entries = to.role === 'guests' ? [...room.guests] : [[to.guestId, room.guests.get(to.guestId)] as const];
    return entries.filter((e): e is [string, Held<ServerToGuest>] => meant(e[1]))
      .map(([guestId, held]) => ({ held, remove: () => { room.guests.delete(guestId); } }));
  }

  private held<T extends ServerToHost | ServerToGuest>(client: Client<T>): Held<T> {
    return { client, holder: socketHolder(this.serverId, ++this.sockets), queue: [] };
  }
}

function attached(held: Held<ServerToHost | ServerToGuest>): Attached {
  return {
    holder: held.holder,
    open: () => {
      const waiting = held.queue ?? [];
      held.queue = null;
      for (const text of waiting) held.client.sendText(text);
    },
  };
}
