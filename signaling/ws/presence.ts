// Who is here, and who is waited for. The store knows which socket (of which
// server) holds the host's place and each guest's; this module keeps that
// true as sockets come and go on this server, and runs the grace periods: a
// host whose socket closed (navigation, reload, lost network), or whose page
// has not connected since it created the session, has the host grace to come
// back before its session ends; a guest whose socket closed has the guest
// grace to resume before it leaves. Nobody is told about an absence that ends
// in time. Graces are timers in the store (see timers.ts), so any server may
// see them out. After a restart of a one-server store everyone starts away.

import { CloseCode, type ServerToGuest, type ServerToHost } from '../../src/protocol/index.js';
import type { LogFn } from '../config.js';
import type { GuestService } from '../guests.js';
import type { SessionService } from '../sessions.js';
import { holderServer } from '../state/holders.js';
import type { SocketHolder, Store } from '../state/store.js';
import type { Client } from './client.js';
import type { Courier } from './courier.js';
import type { Attached, LocalSockets } from './local-sockets.js';

/** Collaborators and settings of presence. */
export interface PresenceOptions {
  store: Store;
  sessions: SessionService;
  guests: GuestService;
  local: LocalSockets;
  courier: Courier;
  /** This server's id (see `SocketHolder`). */
  serverId: string;
  /** How long a session waits for its host, in milliseconds. */
  hostGraceMs: number;
  /** How long a guest's place is kept, in milliseconds. */
  guestGraceMs: number;
  log: LogFn;
  now?: () => number;
}

export class Presence {
  private readonly now: () => number;
  /** Departures being stored: a server stopping waits for them (see `settled`). */
  private readonly departing = new Set<Promise<void>>();
  /** Set by `stop()`: sockets closing now are not hosts or guests leaving. */
  private stopping = false;

  constructor(private readonly options: PresenceOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * `client` is the session's host now: its place in the store is taken (an
   * older socket, on any server, is closed with 4000) and its grace is over.
   * Messages for it wait until `open()` (see `Attached`); `replaced` says
   * whether it took the place of an older socket.
   */
  async hostArrived(sessionId: string, client: Client<ServerToHost>): Promise<Attached & { replaced: boolean }> {
    const { local, store, courier } = this.options;
    const attached = await local.attachHost(sessionId, client);
    const previous = await store.holdHost(sessionId, attached.holder);
    if (previous !== null) courier.replaced(sessionId, { role: 'host' }, previous);
    await store.cancelTimer('host-grace', sessionId);
    return { ...attached, replaced: previous !== null };
  }

  /** The host's socket `client` closed: unless a newer one took its place, the host is away. */
  hostDeparted(sessionId: string, client: Client<ServerToHost>): Promise<void> {
    return this.track(this.hostGone(sessionId, client));
  }

  private async hostGone(sessionId: string, client: Client<ServerToHost>): Promise<void> {
    const holder = this.options.local.detachHost(sessionId, client);
    if (holder === null || this.stopping) return; // Replaced, the session ended, or this server is stopping.
    if (!(await this.options.store.releaseHost(sessionId, holder))) return; // Replaced on another server.
    this.options.log(`host left ${sessionId}`, { sessionId });
    // Guests are told nothing yet: this may be a page load, and the host's next page says hello again.
    await this.hostAway(sessionId);
  }

  /** The session has no host socket: it ends unless a host comes back within the grace. */
  hostAway(sessionId: string): Promise<void> {
    return this.options.store.scheduleTimer({ kind: 'host-grace', key: sessionId, at: this.now() + this.options.hostGraceMs });
  }

  /** The host grace of a session is over: the session ends, unless a host is connected (to a server that runs). */
  async hostGraceOver(sessionId: string): Promise<void> {
    if (await this.heldLive(await this.options.store.hostHolder(sessionId))) return;
    const session = await this.options.sessions.get(sessionId);
    if (!session || session.endedAt !== null) return;
    this.options.log(`no host in ${sessionId} within the grace of ${seconds(this.options.hostGraceMs)}`, { sessionId });
    this.options.sessions.endInBackground(sessionId, 'host-ended');
  }

  /**
   * `client` is the guest's socket now (an older one, on any server, is closed
   * with 4000); its grace is over. Messages for it wait until `open()`.
   */
  async guestArrived(sessionId: string, guestId: string, client: Client<ServerToGuest>): Promise<Attached> {
    const { local, store, courier } = this.options;
    const attached = await local.attachGuest(sessionId, guestId, client);
    const previous = await store.holdGuest(guestId, attached.holder);
    if (previous !== null) courier.replaced(sessionId, { role: 'guest', guestId }, previous);
    await store.cancelTimer('guest-grace', guestId);
    return attached;
  }

  /**
   * The guest's socket `client` closed: unless a newer one took its place, the
   * guest is away; one the server closed for breaking a rule (`failed`) does
   * not come back (its viewer gave up) and leaves now.
   */
  guestDeparted(sessionId: string, guestId: string, client: Client<ServerToGuest>, failed: boolean): Promise<void> {
    return this.track(this.guestGone(sessionId, guestId, client, failed));
  }

  /**
   * This server is stopping: the sockets it closes now leave their places as
   * they are (shutting down is not leaving). Its lease hands them over (see
   * `ServerLease.close`): they are away from when another server takes it.
   */
  stop(): void {
    this.stopping = true;
  }

  /** Resolves once every departure so far is stored (or failed). */
  async settled(): Promise<void> {
    while (this.departing.size > 0) await Promise.allSettled([...this.departing]);
  }

  private async guestGone(sessionId: string, guestId: string, client: Client<ServerToGuest>, failed: boolean): Promise<void> {
    const holder = this.options.local.detachGuest(sessionId, guestId, client);
    if (holder === null || this.stopping) return; // Replaced, removed, the session ended, or this server is stopping.
    if (!(await this.options.store.releaseGuest(guestId, holder))) return;
    if (failed) await this.guestLeft(sessionId, guestId);
    else await this.guestAway(guestId);
  }

  /** The guest has no socket: it leaves unless it resumes within the grace. */
  guestAway(guestId: string): Promise<void> {
    return this.options.store.scheduleTimer({ kind: 'guest-grace', key: guestId, at: this.now() + this.options.guestGraceMs });
  }

  /** The guest grace of a guest is over: it leaves, unless it has a socket again (on a server that runs). */
  async guestGraceOver(guestId: string): Promise<void> {
    if (await this.heldLive(await this.options.store.guestHolder(guestId))) return;
    const guest = await this.options.store.getGuest(guestId);
    if (guest) await this.guestLeft(guest.sessionId, guestId);
  }

  /** The guest leaves for good now: stored as left, then the host is told (once, whoever else notices). */
  async guestLeft(sessionId: string, guestId: string): Promise<void> {
    const { store, guests, courier, log } = this.options;
    await store.cancelTimer('guest-grace', guestId);
    if (!(await guests.markLeft(guestId))) return; // Left or removed already.
    courier.close(sessionId, { role: 'guest', guestId }, CloseCode.NORMAL, 'left', 'relay');
    courier.toHost(sessionId, { type: 'guest-left', guestId });
    log(`guest ${guestId} left ${sessionId}`, { sessionId, guestId });
  }

  /**
   * Server `serverId` is gone: it stopped (handing its lease over), or stopped
   * without a word (its lease ran out). The hosts and guests its sockets held
   * are away from now on, with their graces to come back (to any server).
   * Their places stay as they are: a server that was only cut off renews its
   * lease, and its sockets keep their places.
   */
  async serverGone(serverId: string): Promise<void> {
    if (serverId === this.options.serverId) return; // This one runs: its lease was late, it is renewed.
    const places = await this.options.store.placesHeldBy(serverId);
    await Promise.all(places.map((place) => (place.role === 'host' ? this.hostAway(place.sessionId) : this.guestAway(place.guestId))));
    this.options.log(`server ${serverId} is gone (stopped, or its lease ran out): ${places.length} host(s) and guest(s) it held are away`, { level: places.length > 0 ? 'warn' : 'info' });
  }

  /** True when `holder` is a socket of a server that runs (this one, or one whose lease has not run out). */
  private async heldLive(holder: SocketHolder | null): Promise<boolean> {
    if (holder === null) return false;
    const server = holderServer(holder);
    return server === this.options.serverId || (await this.options.store.timerAt('server-lease', server)) !== null;
  }

  private track(departure: Promise<void>): Promise<void> {
    this.departing.add(departure);
    const forget = () => this.departing.delete(departure);
    departure.then(forget, forget);
    return departure;
  }

  /**
   * After a start: every place of a running realtime session that no socket
   * holds is away (with a one-server store, that is everyone: no socket
   * survives a restart), except the host of a session that `awaitsClaim`
   * (its hosting invite was never claimed: nobody is expected to host it yet).
   */
  async restore(awaitsClaim: (sessionId: string) => Promise<boolean>): Promise<void> {
    const { store, guests } = this.options;
    const running = (await store.allSessions()).filter((s) => s.endedAt === null && !s.isReplay);
    await Promise.all(running.map(async (session) => {
      const [present, unclaimed, host] = await Promise.all([
        guests.present(session.id), awaitsClaim(session.id), store.hostHolder(session.id),
      ]);
      const held = await Promise.all(present.map((g) => store.guestHolder(g.id)));
      await Promise.all(present.filter((_, i) => held[i] === null).map((g) => this.guestAway(g.id)));
      if (!unclaimed && host === null) await this.hostAway(session.id);
    }));
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
