// One realtime session on this page: wires the signaling client, a link per
// guest, the recorder, the room and the pointer overlay. It reports what
// happens as typed events; the controller turns them into public events.

import { Emitter } from '../common/emitter.js';
import { throttle } from '../common/throttle.js';
import {
  CwmnError, ErrorCode, isPublicLinkState, isRecord, LINK_SECRET_PARAM, POINTER_INTERVAL_MS, RELAY_PATH,
  type EndReason, type GuestInvite, type RelayMode, type GuestRecord, type InviteResult, type PublicLinkState, type SessionInfo,
} from '../protocol/index.js';
import { Broadcaster, type PayloadSink } from './broadcaster.js';
import { ConnectionHealth } from './connection-health.js';
import type { Guest } from './guest.js';
import { GuestLink } from './guest-link.js';
import { Peer } from '../peer/peer.js';
import { HostRelay } from '../relay/host-relay.js';
import { LinkRecovery } from './link-recovery.js';
import { DEFAULT_PREFERENCES, type HostPreferences } from './host-session-store.js';
import type { MaskRules } from './masking.js';
import { PointerOverlay } from './pointer-overlay.js';
import { Recorder, type Audience } from './recorder.js';
import { Room } from './room.js';
import type { SignalingClient, Welcome } from './signaling-client.js';

/** An invite waits for mail delivery: up to three 10 s SMTP phases on the server. */
export const INVITE_TIMEOUT_MS = 45_000;

export type RealtimeSessionEvents = {
  guestConnected: (guest: Guest) => void;
  guestDisconnected: (guest: Guest) => void;
  roomdata: (guests: Guest[]) => void;
  click: (guestId: string, x: number, y: number) => void;
  connectionIssue: () => void;
  connectionResolved: () => void;
  /** The host's choices changed (to be kept for the next page load). */
  preferences: (preferences: HostPreferences) => void;
  /** The server ended the session, or refused us for good. */
  ended: (reason: EndReason | 'error', error?: CwmnError) => void;
};

export interface RealtimeSessionOptions {
  signaling: SignalingClient;
  welcome: Welcome;
  /** True on a page load that resumes the session: guests already present are not announced again. */
  resuming?: boolean;
  /** Choices carried over from the previous page. */
  preferences?: HostPreferences;
  /** The domain's extra mask and block selectors. */
  maskRules?: MaskRules;
  /** Secret added to hand-shared links (URL fragment); guests prove they hold it. */
  linkSecret?: string;
  RTCPeerConnection?: typeof RTCPeerConnection;
  WebSocket?: typeof WebSocket;
  log?: (line: string) => void;
}

export class RealtimeSession extends Emitter<RealtimeSessionEvents> {
  private info: SessionInfo;
  private iceServers: RTCIceServer[];
  private relayMode: RelayMode;
  private fanoutGuests: number | null;
  /** The session's relay socket, opened when a guest first needs it. */
  private readonly relay: HostRelay;
  private publicLink: PublicLinkState;
  private readonly signaling: SignalingClient;
  private readonly links = new Map<string, GuestLink>();
  /** Guests known to the server, by id (connected or still negotiating). */
  private readonly records = new Map<string, GuestRecord>();
  /** Guests that have received a snapshot and get every batch since. */
  private readonly synced = new Set<string>();
  private readonly recovery = new LinkRecovery({
    retry: (id) => {
      const record = this.records.get(id);
      if (record && !this.links.has(id)) this.openLink(record);
    },
    giveUp: (id) => this.dropGuest(id),
    onDown: (id, down) => this.health.set(`peer:${id}`, down),
  });
  /** Guests that said they are leaving: their link's close is not a connection issue. */
  private readonly leaving = new Set<string>();
  /** Guests present before this page load, announced by `roomdata update` only. */
  private readonly known = new Set<string>();
  private readonly muted: Set<string>;
  private readonly room = new Room();
  private readonly overlay = new PointerOverlay();
  private readonly health = new ConnectionHealth();
  private readonly broadcaster: Broadcaster;
  private readonly recorder: Recorder;
  private readonly sharePointers = throttle(() => this.broadcastPointers(), POINTER_INTERVAL_MS);
  /** The other guests' pointers as each link last got them (a link whose transport opened gets them again). */
  private readonly pointersSent = new WeakMap<GuestLink, string>();
  private privacy: boolean;
  private allowUnverified: boolean;
  private destroyed = false;

  constructor(private readonly options: RealtimeSessionOptions) {
    super();
    const log = options.log ?? (() => {});
    const prefs = options.preferences ?? DEFAULT_PREFERENCES;
    this.signaling = options.signaling;
    this.info = options.welcome.session;
    this.iceServers = options.welcome.iceServers;
    this.relayMode = options.welcome.relay;
    this.fanoutGuests = options.welcome.relayFanoutGuests;
    const { url, sessionId, hostToken } = this.signaling.credentials;
    this.relay = new HostRelay({
      url: new URL(RELAY_PATH, url).href, sessionId, hostToken, WebSocket: options.WebSocket,
      onOverflow: (ids) => this.recorder.snapshotFor(ids),
    });
    this.publicLink = options.welcome.publicLink;
    this.muted = new Set(prefs.muted);
    this.privacy = prefs.privacy;
    this.allowUnverified = prefs.allowUnverified;
    if (options.resuming) for (const g of options.welcome.guests) this.known.add(g.id);
    this.broadcaster = new Broadcaster((err) => log(`broadcast failed: ${String(err)}`));
    this.recorder = new Recorder({ onBatch: (events, audience) => this.deliver(events, audience), maskRules: options.maskRules });
    this.room.setMuteAll(prefs.muteAll);
    this.room.on('connected', (g) => {
      if (!this.known.delete(g.id)) this.emit('guestConnected', g);
    });
    this.room.on('disconnected', (g) => this.emit('guestDisconnected', g));
    this.room.on('changed', (list) => this.emit('roomdata', list));
    this.room.on('visibility', (g) => this.handleVisibility(g));
    this.health.on('issue', () => this.emit('connectionIssue'));
    this.health.on('resolved', () => this.emit('connectionResolved'));
    this.wireSignaling();
    if (this.privacy) this.overlay.setNotice(PRIVACY_NOTICE);
    else this.recorder.start();
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
    return this.withSecret(result.url);
  }

  /** A hand-shared link carries the secret in its fragment, which browsers never send to a server. */
  private withSecret(url: string): string {
    const secret = this.options.linkSecret;
    return secret ? `${url}#${LINK_SECRET_PARAM}=${secret}` : url;
  }

  /** Sends an email or SMS invite with a personal one-time link. */
  async inviteGuest(invite: GuestInvite): Promise<InviteResult> {
    const result = await this.signaling.request({ type: 'invite-guest', invite }, INVITE_TIMEOUT_MS);
    if (!isRecord(result) || (result.channel !== 'email' && result.channel !== 'sms') || typeof result.to !== 'string') {
      throw new CwmnError(ErrorCode.PROTOCOL, 'Malformed invite reply');
    }
    // Mailed and texted links pass through the server, so their guests cannot prove the secret.
    if (!this.allowUnverified) {
      this.allowUnverified = true;
      this.savePreferences();
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
    if (!this.room.setMuted(guestId, isHidden)) return false;
    if (isHidden) this.muted.add(guestId);
    else this.muted.delete(guestId);
    this.savePreferences();
    return true;
  }

  muteAllGuests(isHidden: boolean): void {
    this.room.setMuteAll(isHidden);
    this.savePreferences();
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
    this.broadcaster.send({ t: 'sharing', paused: enabled }, this.everyone());
    this.overlay.setNotice(enabled ? PRIVACY_NOTICE : null);
    if (!enabled) this.recorder.start();
    this.savePreferences();
  }

  get publicLinkState(): PublicLinkState {
    const { enabled, url } = this.publicLink;
    return { enabled, url: url === null ? null : this.withSecret(url) };
  }

  async setPublicLinkEnabled(enabled: boolean): Promise<PublicLinkState> {
    const result = await this.signaling.request({ type: 'set-public-link', enabled });
    if (!isPublicLinkState(result)) throw new CwmnError(ErrorCode.PROTOCOL, 'Malformed public link reply');
    this.publicLink = result;
    return this.publicLinkState;
  }

  /** Asks the server to end the session, then tears down whatever it answers. */
  async end(): Promise<void> {
    try {
      await this.signaling.request({ type: 'end-session' });
    } finally {
      this.destroy();
    }
  }

  /** Stops everything. Idempotent; fixed order: recorder, timers, peers, overlay, socket. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.recorder.stop();
    this.sharePointers.cancel();
    this.recovery.destroy();
    for (const link of this.links.values()) link.destroy();
    this.links.clear();
    this.relay.close();
    this.overlay.destroy();
    this.signaling.close();
    this.room.destroy();
    this.health.removeAllListeners();
    this.removeAllListeners();
  }

  private wireSignaling(): void {
    const s = this.signaling;
    // A guest the server announces again (viewer reload, new socket) gets a new peer link.
    s.on('guestJoined', (guest) => this.addGuest(guest, true));
    s.on('guestLeft', (id) => this.dropGuest(id));
    s.on('signal', (from, data) => this.links.get(from)?.handleSignal(data));
    s.on('welcome', (welcome) => {
      this.info = welcome.session;
      this.iceServers = welcome.iceServers;
      this.relayMode = welcome.relay;
      this.fanoutGuests = welcome.relayFanoutGuests;
      this.publicLink = welcome.publicLink;
      this.reconcile(welcome.guests);
      this.health.set('signaling', false);
    });
    s.on('disconnected', () => this.health.set('signaling', true));
    s.on('sessionEnded', (reason) => this.emit('ended', reason));
    s.on('fatal', (err) => this.emit('ended', 'error', err));
  }

  /** Brings links in line with the server's guest list (after a (re)connection). */
  private reconcile(guests: readonly GuestRecord[]): void {
    const present = new Set(guests.map((g) => g.id));
    for (const id of [...this.records.keys()]) if (!present.has(id)) this.dropGuest(id);
    for (const g of guests) if (!this.links.has(g.id)) this.addGuest(g, false);
  }

  private addGuest(record: GuestRecord, replace: boolean): void {
    const existing = this.links.get(record.id);
    if (existing && !replace) return;
    this.records.set(record.id, record);
    this.leaving.delete(record.id);
    this.recovery.stop(record.id);
    this.openLink(record);
    existing?.destroy();
  }

  /** Creates the peer link to a guest (replacing any earlier one) and wires it. */
  private openLink(record: GuestRecord): void {
    const id = record.id;
    const auth = { secret: this.options.linkSecret, requireAuth: !this.allowUnverified };
    const bigRoom = this.isBigRoom();
    const link = new GuestLink(id, {
      mode: bigRoom && this.relayMode !== 'off' ? 'always' : this.relayMode,
      relayReason: bigRoom ? 'room' : 'policy',
      direct: ({ restartable }) => new Peer({
        ...auth, initiator: true, restartable, iceServers: this.iceServers, RTCPeerConnection: this.options.RTCPeerConnection,
      }),
      relay: this.relayMode === 'off' ? undefined : () => this.relay.channel(id, auth),
    });
    this.links.set(id, link);
    this.synced.delete(id);
    link.on('signal', (data) => this.signaling.signal(id, data));
    link.on('open', (kind) => {
      this.recovery.stop(id);
      this.synced.add(id);
      this.pointersSent.delete(link);
      // A relayed guest gets what everyone gets through the group (one upload for all of them).
      if (kind === 'relay') this.relay.join(id);
      else this.relay.leave(id);
      this.room.connect(record, this.muted.has(id), kind);
      if (this.privacy) this.broadcaster.send({ t: 'sharing', paused: true }, [link]);
      else this.recorder.snapshotFor([id]);
      if (this.room.isHidden(id)) this.broadcaster.send({ t: 'guest-state', isHidden: true }, [link]);
      this.sharePointers();
    });
    link.on('kind', (kind) => this.room.connect(record, this.muted.has(id), kind));
    link.on('resync', () => this.recorder.snapshotFor([id]));
    // A guest closing or reloading its viewer says so: not a connection problem. The server
    // then says whether it left (`guest-left`, after its grace) or came back (`guest-joined`).
    link.on('bye', () => this.leaving.add(id));
    link.on('pointer', (x, y) => {
      // Positions are kept while hidden (the host's code still sees them); only drawing stops.
      this.room.movePointer(id, x, y);
      if (this.room.isHidden(id)) return;
      this.overlay.show(id, record.name, x, y);
      this.sharePointers();
    });
    link.on('click', (x, y) => {
      if (this.room.isHidden(id)) return;
      this.overlay.ripple(id, x, y);
      this.emit('click', id, x, y);
      for (const [other, l] of this.links) if (other !== id) l.sendPointer({ t: 'click', id, x, y });
    });
    link.on('close', () => {
      if (this.links.get(id) !== link || this.destroyed) return; // Replaced, or we are closing.
      this.relay.leave(id);
      this.links.delete(id);
      this.synced.delete(id);
      this.overlay.hide(id);
      if (this.leaving.delete(id)) return;
      if (this.records.has(id)) this.recovery.dropped(id);
    });
    link.start();
    if (bigRoom) for (const other of this.links.values()) other.useRelay('room');
  }

  /**
   * Past `relayFanoutGuests` guests, every guest goes through the relay: the host then uploads
   * each batch once instead of once per guest (measured in BENCHMARKS.md). A room that shrinks
   * again stays there: moving guests back and forth would cost each a snapshot.
   */
  private isBigRoom(): boolean {
    return this.fanoutGuests !== null && this.relayMode !== 'off' && this.records.size > this.fanoutGuests;
  }

  private dropGuest(id: string): void {
    this.relay.leave(id);
    this.recovery.stop(id);
    this.records.delete(id);
    const link = this.links.get(id);
    this.links.delete(id);
    link?.destroy();
    this.synced.delete(id);
    this.known.delete(id);
    this.leaving.delete(id);
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

  private savePreferences(): void {
    this.emit('preferences', {
      muted: [...this.muted], muteAll: this.room.muteAll, privacy: this.privacy, allowUnverified: this.allowUnverified,
    });
  }

  private deliver(events: unknown[], audience: Audience): void {
    const recipients = audience.kind === 'all' ? this.everyone() : this.linksOf(audience.guestIds);
    this.broadcaster.send({ t: 'events', events }, recipients);
  }

  /** Every synced guest: those on the relay's group through it (once), the others one by one. */
  private everyone(): PayloadSink[] {
    const direct = this.linksOf([...this.synced].filter((id) => !this.relay.isMember(id)));
    return this.relay.hasMembers ? [...direct, this.relay.groupSink] : direct;
  }

  private linksOf(ids: readonly string[]): GuestLink[] {
    return ids.map((id) => this.links.get(id)).filter((l): l is GuestLink => l !== undefined);
  }

  /** Sends each guest the pointers of the others, when they changed since it last got them. */
  private broadcastPointers(): void {
    const visible = this.room.list().filter((g) => g.x !== null && g.y !== null && !g.isHidden);
    for (const [id, link] of this.links) {
      if (!link.isOpen) continue;
      const pointers = visible.filter((g) => g.id !== id).map((g) => ({ id: g.id, name: g.name, x: g.x!, y: g.y! }));
      const text = JSON.stringify(pointers);
      if (this.pointersSent.get(link) === text) continue;
      this.pointersSent.set(link, text);
      link.sendPointer({ t: 'pointers', pointers });
    }
  }
}

const PRIVACY_NOTICE = 'Sharing paused — guests see a privacy screen';
