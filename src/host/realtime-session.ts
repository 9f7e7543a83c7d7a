// One realtime session on this page: wires the signaling client, a link per
// guest, the recorder, the room and the pointer overlay. It reports what
// happens as typed events; the controller turns them into public events.

import { Emitter } from '../common/emitter.js';
import { throttle } from '../common/throttle.js';
import {
  CwmnError, ErrorCode, isPublicLinkState, isRecord, POINTER_INTERVAL_MS,
  type EndReason, type GuestInvite, type GuestRecord, type InviteResult, type PublicLinkState, type SessionInfo,
} from '../protocol/index.js';
import { Broadcaster } from './broadcaster.js';
import type { Guest } from './guest.js';
import { GuestLink } from './guest-link.js';
import type { MaskRules } from './masking.js';
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
  /** The domain's extra mask and block selectors. */
  maskRules?: MaskRules;
  RTCPeerConnection?: typeof RTCPeerConnection;
  log?: (line: string) => void;
}

export class RealtimeSession extends Emitter<RealtimeSessionEvents> {
  private info: SessionInfo;
  private iceServers: RTCIceServer[];
  private publicLink: PublicLinkState;
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
  private privacy = false;
  private disconnected = false;
  private destroyed = false;

  constructor(private readonly options: RealtimeSessionOptions) {
    super();
    const log = options.log ?? (() => {});
    this.signaling = options.signaling;
    this.info = options.welcome.session;
    this.iceServers = options.welcome.iceServers;
    this.publicLink = options.welcome.publicLink;
    this.broadcaster = new Broadcaster((err) => log(`broadcast failed: ${String(err)}`));
    this.recorder = new Recorder({ onBatch: (events, audience) => this.deliver(events, audience), maskRules: options.maskRules });
    this.room.on('connected', (g) => this.emit('guestConnected', g));
    this.room.on('disconnected', (g) => this.emit('guestDisconnected', g));
    this.room.on('changed', (list) => this.emit('roomdata', list));
    this.room.on('visibility', (g) => this.handleVisibility(g));
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
    const result = await this.signaling.request({ type: 'create-link' });
    if (!isRecord(result) || typeof result.url !== 'string') throw new CwmnError(ErrorCode.PROTOCOL, 'Malformed link reply');
    return result.url;
  }

  /** Sends an email or SMS invite with a personal one-time link. */
  async inviteGuest(invite: GuestInvite): Promise<InviteResult> {
    const result = await this.signaling.request({ type: 'invite-guest', invite });
    if (!isRecord(result) || (result.channel !== 'email' && result.channel !== 'sms') || typeof result.to !== 'string') {
      throw new CwmnError(ErrorCode.PROTOCOL, 'Malformed invite reply');
    }
    return result as unknown as InviteResult;
  }

  /** Removes a guest: the server closes its socket, the host closes its peer. */
  async removeGuest(guestId: string): Promise<void> {
    if (!this.records.has(guestId)) throw new CwmnError(ErrorCode.NOT_FOUND, `No guest '${guestId}' in this session`);
    await this.signaling.request({ type: 'remove-guest', guestId });
    this.dropGuest(guestId);
  }

  /** Hides or shows one guest's pointer; false for an unknown guest. */
  muteGuest(guestId: string, isHidden: boolean): boolean {
    return this.room.setMuted(guestId, isHidden);
  }

  muteAllGuests(isHidden: boolean): void {
    this.room.setMuteAll(isHidden);
  }

  get muteAll(): boolean {
    return this.room.muteAll;
  }

  get privacyEnabled(): boolean {
    return this.privacy;
  }

  /**
   * Pulls or lifts the privacy curtain. In force when this returns: recording
   * stops synchronously, so nothing recorded from now on leaves the host.
   * Lifting it restarts recording with a fresh snapshot for every guest.
   */
  setPrivacy(enabled: boolean): void {
    if (enabled === this.privacy) return;
    this.privacy = enabled;
    if (enabled) this.recorder.stop();
    this.broadcaster.send({ t: 'sharing', paused: enabled }, this.syncedLinks());
    this.overlay.setNotice(enabled ? 'Sharing paused — guests see a privacy screen' : null);
    if (!enabled) this.recorder.start();
  }

  get publicLinkState(): PublicLinkState {
    return { ...this.publicLink };
  }

  async setPublicLinkEnabled(enabled: boolean): Promise<PublicLinkState> {
    const result = await this.signaling.request({ type: 'set-public-link', enabled });
    if (!isPublicLinkState(result)) throw new CwmnError(ErrorCode.PROTOCOL, 'Malformed public link reply');
    this.publicLink = result;
    return { ...result };
  }

  /** Asks the server to end the session, then tears down whatever it answers. */
  async end(): Promise<void> {
    try {
      await this.signaling.request({ type: 'end-session' });
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
      this.publicLink = welcome.publicLink;
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
      if (this.privacy) this.broadcaster.send({ t: 'sharing', paused: true }, [link]);
      else this.recorder.snapshotFor([record.id]);
      if (this.room.get(record.id)?.isHidden) this.broadcaster.send({ t: 'guest-state', isHidden: true }, [link]);
      this.sharePointers();
    });
    link.on('resync', () => this.recorder.snapshotFor([record.id]));
    link.on('pointer', (x, y) => {
      // Positions are kept while hidden (the host's code still sees them); only drawing stops.
      this.room.movePointer(record.id, x, y);
      if (this.room.get(record.id)?.isHidden) return;
      this.overlay.show(record.id, record.name, x, y);
      this.sharePointers();
    });
    link.on('click', (x, y) => {
      if (this.room.get(record.id)?.isHidden !== false) return;
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

  /** A guest was muted or unmuted: redraw, tell the guest, tell the others. */
  private handleVisibility(guest: Guest): void {
    if (guest.isHidden) this.overlay.hide(guest.id);
    else if (guest.x !== null && guest.y !== null) this.overlay.show(guest.id, guest.name, guest.x, guest.y);
    const link = this.links.get(guest.id);
    if (link) this.broadcaster.send({ t: 'guest-state', isHidden: guest.isHidden }, [link]);
    this.sharePointers();
  }

  private deliver(events: unknown[], audience: Audience): void {
    const recipients = audience.kind === 'all' ? this.syncedLinks() : this.linksOf(audience.guestIds);
    this.broadcaster.send({ t: 'events', events }, recipients);
  }

  private syncedLinks(): GuestLink[] {
    return this.linksOf([...this.synced]);
  }

  private linksOf(ids: readonly string[]): GuestLink[] {
    return ids.map((id) => this.links.get(id)).filter((l): l is GuestLink => l !== undefined);
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
