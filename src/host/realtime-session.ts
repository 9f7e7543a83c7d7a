// One realtime session on this page: wires the signaling client, a link per
// guest, the recorder, the room and the pointer overlay. It reports what
// happens as typed events; the controller turns them into public events.

import { Emitter } from '../common/emitter.js';
import { throttle } from '../common/throttle.js';
import {
  CwmnError, ErrorCode, POINTER_INTERVAL_MS,
  type EndReason, type GuestRecord, type SessionInfo,
} from '../protocol/index.js';
import { Broadcaster } from './broadcaster.js';
import type { Guest } from './guest.js';
import { GuestLink } from './guest-link.js';
import { PointerOverlay } from './pointer-overlay.js';
import { Recorder, type Audience } from './recorder.js';
import { Room } from './room.js';
import type { SignalingClient, Welcome } from './signaling-client.js';

export type RealtimeSessionEvents = {
  guestConnected: (guest: Guest) => void;
  guestDisconnected: (guest: Guest) => void;
  roomdata: (guests: Guest[]) => void;
  click: (guestId: string, x: number, y: number) => void;
  connectionIssue: () => void;
  connectionResolved: () => void;
  /** The server ended the session, or refused us for good. */
  ended: (reason: EndReason | 'error', error?: CwmnError) => void;
};

export interface RealtimeSessionOptions {
  signaling: SignalingClient;
  welcome: Welcome;
  RTCPeerConnection?: typeof RTCPeerConnection;
  log?: (line: string) => void;
}

export class RealtimeSession extends Emitter<RealtimeSessionEvents> {
  private info: SessionInfo;
  private iceServers: RTCIceServer[];
  private readonly signaling: SignalingClient;
  private readonly links = new Map<string, GuestLink>();
  /** Guests known to the server, by id (connected or still negotiating). */
  private readonly records = new Map<string, GuestRecord>();
  /** Guests that have received a snapshot and get every batch since. */
  private readonly synced = new Set<string>();
  private readonly room = new Room();
  private readonly overlay = new PointerOverlay();
  private readonly broadcaster: Broadcaster;
  private readonly recorder: Recorder;
  private readonly sharePointers = throttle(() => this.broadcastPointers(), POINTER_INTERVAL_MS);
  private disconnected = false;
  private destroyed = false;

  constructor(private readonly options: RealtimeSessionOptions) {
    super();
    const log = options.log ?? (() => {});
    this.signaling = options.signaling;
    this.info = options.welcome.session;
    this.iceServers = options.welcome.iceServers;
    this.broadcaster = new Broadcaster((err) => log(`broadcast failed: ${String(err)}`));
    this.recorder = new Recorder({ onBatch: (events, audience) => this.deliver(events, audience) });
    this.room.on('connected', (g) => this.emit('guestConnected', g));
    this.room.on('disconnected', (g) => this.emit('guestDisconnected', g));
    this.room.on('changed', (list) => this.emit('roomdata', list));
    this.wireSignaling();
    this.recorder.start();
    this.reconcile(options.welcome.guests);
  }

  /** Session info with the current guest count. */
  get sessionInfo(): SessionInfo {
    return { ...this.info, guestCount: this.room.size };
  }

  guestList(): Guest[] {
    return this.room.list();
  }

  /** A one-time private invite link. */
  async createInviteLink(): Promise<string> {
    const result = await this.signaling.request('create-link');
    if (typeof result !== 'object' || result === null || typeof (result as { url?: unknown }).url !== 'string') {
      throw new CwmnError(ErrorCode.PROTOCOL, 'Malformed link reply');
    }
    return (result as { url: string }).url;
  }

  /** Asks the server to end the session, then tears down whatever it answers. */
  async end(): Promise<void> {
    try {
      await this.signaling.request('end-session');
    } finally {
      this.destroy();
    }
  }

  /** Bytes sent on the DOM channel to each guest (diagnostics, benchmarks). */
  bytesSentByGuest(): Record<string, number> {
    return Object.fromEntries([...this.links].map(([id, link]) => [id, link.bytesSent]));
  }

  /** Stops everything. Idempotent; fixed order: recorder, timers, peers, overlay, socket. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.recorder.stop();
    this.sharePointers.cancel();
    for (const link of this.links.values()) link.destroy();
    this.links.clear();
    this.overlay.destroy();
    this.signaling.close();
    this.room.destroy();
    this.removeAllListeners();
  }

  private wireSignaling(): void {
    const s = this.signaling;
    s.on('guestJoined', (guest) => this.addGuest(guest));
    s.on('guestLeft', (id) => this.dropGuest(id));
    s.on('signal', (from, data) => this.links.get(from)?.handleSignal(data));
    s.on('welcome', (welcome) => {
      this.info = welcome.session;
      this.iceServers = welcome.iceServers;
      this.reconcile(welcome.guests);
      if (this.disconnected) {
        this.disconnected = false;
        this.emit('connectionResolved');
      }
    });
    s.on('disconnected', () => {
      if (this.disconnected) return;
      this.disconnected = true;
      this.emit('connectionIssue');
    });
    s.on('sessionEnded', (reason) => this.emit('ended', reason));
    s.on('fatal', (err) => this.emit('ended', 'error', err));
  }

  /** Brings links in line with the server's guest list (after a (re)connection). */
  private reconcile(guests: readonly GuestRecord[]): void {
    const present = new Set(guests.map((g) => g.id));
    for (const id of [...this.records.keys()]) if (!present.has(id)) this.dropGuest(id);
    for (const g of guests) this.addGuest(g);
  }

  private addGuest(record: GuestRecord): void {
    if (this.links.has(record.id)) return;
    this.records.set(record.id, record);
    const link = new GuestLink(record.id, this.iceServers, this.options.RTCPeerConnection);
    this.links.set(record.id, link);
    link.on('signal', (data) => this.signaling.signal(record.id, data));
    link.on('open', () => {
      this.synced.add(record.id);
      this.room.connect(record);
      this.recorder.snapshotFor([record.id]);
      this.sharePointers();
    });
    link.on('resync', () => this.recorder.snapshotFor([record.id]));
    link.on('pointer', (x, y) => {
      this.room.movePointer(record.id, x, y);
      this.overlay.show(record.id, record.name, x, y);
      this.sharePointers();
    });
    link.on('click', (x, y) => {
      this.overlay.ripple(record.id, x, y);
      this.emit('click', record.id, x, y);
      for (const [id, other] of this.links) if (id !== record.id) other.sendPointer({ t: 'click', id: record.id, x, y });
    });
    link.on('close', () => {
      // The peer failed or closed: forget the link; the guest may rejoin through the server.
      if (this.links.get(record.id) === link) this.forget(record.id);
    });
  }

  private dropGuest(id: string): void {
    this.links.get(id)?.destroy();
    this.forget(id);
    this.records.delete(id);
  }

  private forget(id: string): void {
    this.links.delete(id);
    this.synced.delete(id);
    this.overlay.hide(id);
    this.room.disconnect(id);
    this.sharePointers();
  }

  private deliver(events: unknown[], audience: Audience): void {
    const ids = audience.kind === 'all' ? [...this.synced] : audience.guestIds;
    const recipients = ids.map((id) => this.links.get(id)).filter((l): l is GuestLink => l !== undefined);
    this.broadcaster.send({ t: 'events', events }, recipients);
  }

  /** Sends each guest the pointers of the others. */
  private broadcastPointers(): void {
    const visible = this.room.list().filter((g) => g.x !== null && g.y !== null && !g.isHidden);
    for (const [id, link] of this.links) {
      if (!link.isOpen) continue;
      const pointers = visible.filter((g) => g.id !== id).map((g) => ({ id: g.id, name: g.name, x: g.x!, y: g.y! }));
      link.sendPointer({ t: 'pointers', pointers });
    }
  }
}
