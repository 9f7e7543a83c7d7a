// The guest's side of the wires: joins over the signaling socket with the
// link token (or resumes as the same guest after a reload or a lost socket),
// answers each new offer of the host with a fresh peer (and an ICE restart on
// the peer it belongs to), connects to the relay when
// the host moves it there, and reports validated messages as events. Page data
// comes over whichever transport the host last started sending on.

import { Emitter } from '../common/emitter.js';
import { defaultReconnectPolicy } from '../common/reconnect-policy.js';
import {
  CHUNK_BYTES, CloseCode, encodePayload, encodePayloadNow, InboundDecoder,
  parseHostDomMessage, parseHostPointerMessage, parsePointerText, parseServerToGuest, PROTOCOL_VERSION, RELAY_PATH, toFrames,
  type EndReason, type GuestPointerMessage, type GuestToServer, type HostDomMessage, type HostPointerMessage, type Payload,
  type RelayReason, type SignalData, type WireEvent,
} from '../protocol/index.js';
import { Peer } from '../peer/peer.js';
import { openGuestRelay } from '../relay/guest-relay.js';
import type { RelayChannel } from '../relay/relay-channel.js';
import type { Transport, TransportKind } from '../transport/transport.js';
import { GuestCredentials } from './guest-credentials.js';

export interface JoinInfo {
  guestId: string;
  sessionId: string;
  hostName: string;
}

/** How the guest is connected, as the viewer tells it. */
export interface LinkState {
  kind: TransportKind;
  /** Why the relay is used (when `kind` is `relay`). */
  reason: RelayReason | null;
}

export type GuestConnectionEvents = {
  joined: (info: JoinInfo) => void;
  /** Page data now comes over another transport: it starts again with a snapshot. */
  switched: () => void;
  /** This guest answered the host's offer, or was moved to the relay: the rest of the handshake is network work. */
  answered: () => void;
  /** Page data can flow to this guest (again), or now flows another way. */
  linkOpen: (state: LinkState) => void;
  /** No transport to the host is open any more; the host is expected to offer a new one. */
  linkLost: () => void;
  events: (events: WireEvent[]) => void;
  /** The host hid (muted) or showed this guest's pointer. */
  guestState: (isHidden: boolean) => void;
  /** The host paused or resumed sharing for privacy. */
  sharing: (paused: boolean) => void;
  pointer: (message: HostPointerMessage) => void;
  /** The signaling socket dropped and no transport is open: reconnecting. */
  reconnecting: () => void;
  /** The server refused the join (or, `resuming`, the rejoin) or failed us (link used, expired…). */
  refused: (code: string, message: string, resuming: boolean) => void;
  /** The same guest was opened in another tab or window, which took over. */
  replaced: () => void;
  ended: (reason: EndReason) => void;
  /** The session can no longer be reached. */
  lost: () => void;
};

export interface GuestConnectionOptions {
  socketUrl: string;
  /** The link's token (also the key under which resume credentials are kept). */
  token: string;
  name: string;
  /** The link's secret (hand-shared links): the host's offer must carry its MAC. */
  secret?: string;
  RTCPeerConnection?: typeof RTCPeerConnection;
  WebSocket?: typeof WebSocket;
}

/** Attempts to reconnect the socket before giving up. */
export const MAX_SOCKET_ATTEMPTS = 12;

export class GuestConnection extends Emitter<GuestConnectionEvents> {
  private socket: WebSocket | undefined;
  private peer: Peer | undefined;
  private relay: { channel: RelayChannel; restart(): void } | undefined;
  private relayReason: RelayReason | null = null;
  /** The transport page data comes over; frames on a newer one make it the active one. */
  private active: Transport | null = null;
  /** When each transport last opened (a sequence number: a new handshake counts as a new opening). */
  private readonly openings = new Map<Transport, number>();
  private openingSeq = 0;
  /** Decodes the active transport's page data; a new one for each activation (the old may hold half a message). */
  private decoder: InboundDecoder<HostDomMessage> | null = null;
  private iceServers: RTCIceServer[] = [];
  private readonly credentials: GuestCredentials;
  private attempt = 0;
  private resuming = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private lostTimer: ReturnType<typeof setTimeout> | undefined;
  private done = false;

  constructor(private readonly options: GuestConnectionOptions) {
    super();
    this.credentials = new GuestCredentials(options.token);
  }

  connect(): void {
    if (this.done) return;
    const socket = new WebSocket(this.options.socketUrl);
    this.socket = socket;
    socket.onopen = () => {
      const saved = this.credentials.load();
      this.resuming = saved !== null;
      this.send(saved
        ? { type: 'guest-resume', v: PROTOCOL_VERSION, guestId: saved.guestId, resumeToken: saved.resumeToken }
        : { type: 'guest-join', v: PROTOCOL_VERSION, token: this.options.token, name: this.options.name });
    };
    socket.onmessage = (e) => {
      if (typeof e.data === 'string') this.handleServerMessage(e.data);
    };
    socket.onclose = (e) => {
      if (e.code === CloseCode.REPLACED) this.finish(() => this.emit('replaced'));
      else this.handleSocketClose();
    };
  }

  /** Sends this guest's pointer or click to the host (lossy lane). */
  sendPointer(message: GuestPointerMessage): void {
    this.current()?.sendPointer(JSON.stringify(message));
  }

  /** Tells the host this guest is leaving (called on `pagehide`; synchronous). */
  sayGoodbye(): void {
    this.sendFrames(encodePayloadNow({ t: 'bye' }));
  }

  /** Asks the host for a fresh snapshot. */
  async requestResync(): Promise<void> {
    this.sendFrames(await encodePayload({ t: 'resync' }));
  }

  /** Closes socket and transports. Idempotent. */
  close(): void {
    this.done = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.lostTimer);
    this.peer?.close();
    this.relay?.channel.close();
    this.decoder?.stop();
    if (this.socket) {
      this.socket.onclose = this.socket.onmessage = this.socket.onopen = null;
      this.socket.close(1000);
    }
    this.removeAllListeners();
  }

  private handleServerMessage(raw: string): void {
    const parsed = parseServerToGuest(raw);
    if (!parsed.ok) return;
    const m = parsed.value;
    switch (m.type) {
      case 'joined':
        this.attempt = 0;
        this.iceServers = m.iceServers;
        if (m.resumeToken) this.credentials.save({ guestId: m.guestId, resumeToken: m.resumeToken });
        this.emit('joined', { guestId: m.guestId, sessionId: m.sessionId, hostName: m.hostName });
        break;
      case 'signal':
        this.handleSignal(m.data);
        break;
      case 'session-ended':
        this.credentials.clear();
        this.finish(() => this.emit('ended', m.reason));
        break;
      case 'error':
        this.credentials.clear();
        this.finish(() => this.emit('refused', m.error.code, m.error.message, this.resuming));
        break;
    }
  }

  /**
   * An offer of a new connection starts a new peer (the host re-offers after a reload or a
   * failure); one of the connection we have is an ICE restart, answered on it. `relay` moves us there.
   */
  private handleSignal(data: SignalData): void {
    if ('relay' in data) {
      this.relayReason = data.relay.reason;
      this.useRelay();
      return;
    }
    if ('description' in data && data.description.type === 'offer' && !this.peer?.continues(data.description.sdp)) {
      if (this.peer) this.forget(this.peer);
      this.createPeer();
    }
    void this.peer?.handleSignal(data);
  }

  private createPeer(): void {
    const { secret } = this.options;
    const peer = new Peer({
      initiator: false, restartable: true, iceServers: this.iceServers, RTCPeerConnection: this.options.RTCPeerConnection,
      ...(secret ? { secret, requireAuth: true } : {}),
    });
    this.peer = peer;
    peer.on('signal', (data) => {
      this.send({ type: 'signal', data });
      if ('description' in data && data.description.type === 'answer') this.emit('answered');
    });
    // A lost path leaves the peer to the host's ICE restart; meanwhile it carries nothing.
    peer.on('stalled', () => this.unavailable(peer));
    this.watch(peer);
  }

  /** Connects to the relay (or starts a new handshake on the socket we have). */
  private useRelay(): void {
    this.emit('answered');
    if (this.relay) {
      this.relay.restart();
      return;
    }
    const saved = this.credentials.load();
    if (!saved) return; // Only a joined guest has relay credentials.
    const relay = openGuestRelay({
      url: new URL(RELAY_PATH, this.options.socketUrl).href,
      guestId: saved.guestId, resumeToken: saved.resumeToken, secret: this.options.secret, WebSocket: this.options.WebSocket,
    });
    this.relay = relay;
    relay.channel.on('gap', () => {
      if (this.active === relay.channel) void this.requestResync();
    });
    this.watch(relay.channel);
  }

  private watch(t: Transport): void {
    t.on('open', () => {
      // A second opening of the active transport is a new handshake (the relay's): its data starts over.
      // The first opening of one that page data already made active changes nothing.
      const again = this.openings.has(t);
      this.openings.set(t, ++this.openingSeq);
      if (!this.active || (this.active === t && again)) {
        this.activate(t);
        // A peer whose path came back: what it carried while we had let it go was not decoded.
        if (again && t === this.peer) void this.requestResync();
      }
    });
    t.on('kind', (kind) => {
      if (t === this.active) this.emit('linkOpen', { kind, reason: null });
    });
    t.on('dom', (frame) => {
      if (t !== this.active) {
        // The host sends on one transport at a time: data on one that opened after the active one
        // means it moved us there. Data on an older one is still in flight from before a move.
        const active = this.active;
        if (active?.isOpen && (this.openings.get(t) ?? 0) < (this.openings.get(active) ?? 0)) return;
        this.activate(t);
      }
      this.decoder?.push(frame);
    });
    t.on('pointer', (text) => {
      const m = parsePointerText(text, parseHostPointerMessage);
      if (m) this.emit('pointer', m);
    });
    t.on('close', () => this.closed(t));
  }

  /** Page data now comes over `t` (first, after a switch, or after a new handshake): a snapshot follows. */
  private activate(t: Transport): void {
    this.active = t;
    this.decoder?.stop();
    this.decoder = new InboundDecoder<HostDomMessage>({
      parse: parseHostDomMessage,
      onMessage: (m) => {
        if (this.done) return;
        if (m.t === 'events') this.emit('events', m.events);
        else if (m.t === 'guest-state') this.emit('guestState', m.isHidden);
        else this.emit('sharing', m.paused);
      },
      onInvalid: () => void this.requestResync(),
    });
    clearTimeout(this.lostTimer);
    this.emit('switched');
    this.emit('linkOpen', { kind: t.kind ?? 'direct', reason: t.kind === 'relay' ? this.relayReason : null });
  }

  private closed(t: Transport): void {
    this.openings.delete(t);
    if (t === this.peer) this.peer = undefined;
    if (t === this.relay?.channel) this.relay = undefined;
    this.unavailable(t);
  }

  /** `t` carries nothing now: another open transport takes over, or the link is lost. */
  private unavailable(t: Transport): void {
    if (t !== this.active) return;
    this.deactivate();
    const standby = [this.peer, this.relay?.channel].find((x) => x?.isOpen);
    if (standby) {
      this.activate(standby);
      void this.requestResync(); // What it already carried before it became active was not applied.
      return;
    }
    // Let a `session-ended` racing the close win.
    clearTimeout(this.lostTimer);
    this.lostTimer = setTimeout(() => {
      if (!this.done && !this.active) this.emit('linkLost');
    }, 300);
  }

  /** Closes a transport that was superseded (a new offer replaces the old peer): no fallback, no `linkLost`. */
  private forget(t: Transport): void {
    if (t === this.active) this.deactivate();
    t.close(); // `closed` forgets the rest.
  }

  private deactivate(): void {
    this.active = null;
    this.decoder?.stop();
    this.decoder = null;
  }

  private current(): Transport | null {
    return this.active?.isOpen ? this.active : null;
  }

  private sendFrames(payload: Payload): void {
    const t = this.current();
    if (t) for (const frame of toFrames(payload, CHUNK_BYTES)) t.sendDom(frame);
  }

  private handleSocketClose(): void {
    if (this.done) return;
    const delay = this.attempt < MAX_SOCKET_ATTEMPTS && this.credentials.load()
      ? defaultReconnectPolicy.nextRetryDelayMs(this.attempt++)
      : null;
    if (delay === null) {
      this.finish(() => this.emit('lost'));
      return;
    }
    // Page data flows over its own transport: a live view survives the signaling socket.
    if (!this.current()) this.emit('reconnecting');
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private finish(report: () => void): void {
    if (this.done) return;
    this.done = true;
    report();
    this.close();
  }

  private send(message: GuestToServer): void {
    if (this.socket?.readyState === 1) this.socket.send(JSON.stringify(message));
  }
}
