// The guest's side of the wires: joins over the signaling socket with the
// link token (or resumes as the same guest after a reload or a lost socket),
// answers each offer of the host with a fresh peer, reassembles and decodes
// DOM-channel messages in order, and reports validated messages as events.

import { Emitter } from '../common/emitter.js';
import { defaultReconnectPolicy } from '../common/reconnect-policy.js';
import {
  CHUNK_BYTES, CloseCode, CwmnError, decodePayload, encodePayload, encodePayloadNow, ErrorCode, FrameAssembler, MAX_POINTER_MESSAGE_BYTES,
  parseHostDomMessage, parseHostPointerMessage, parseServerToGuest, PROTOCOL_VERSION, toFrames,
  type EndReason, type GuestPointerMessage, type GuestToServer, type HostPointerMessage, type SignalData, type WireEvent,
} from '../protocol/index.js';
import { Peer } from '../peer/peer.js';
import { GuestCredentials } from './guest-credentials.js';

export interface JoinInfo {
  guestId: string;
  sessionId: string;
  hostName: string;
}

export type GuestConnectionEvents = {
  joined: (info: JoinInfo) => void;
  /** A new peer connection to the host is being set up (its page data starts with a snapshot). */
  peerCreated: () => void;
  /** This guest sent its answer to the host's offer: the rest of the handshake is network work. */
  answered: () => void;
  /** A peer connection to the host is open (again). */
  peerOpen: () => void;
  /** The peer connection dropped; the host is expected to offer a new one. */
  peerLost: () => void;
  events: (events: WireEvent[]) => void;
  /** The host hid (muted) or showed this guest's pointer. */
  guestState: (isHidden: boolean) => void;
  /** The host paused or resumed sharing for privacy. */
  sharing: (paused: boolean) => void;
  pointer: (message: HostPointerMessage) => void;
  /** The signaling socket dropped and no peer is open: reconnecting. */
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
}

/** Attempts to reconnect the socket before giving up. */
export const MAX_SOCKET_ATTEMPTS = 12;

export class GuestConnection extends Emitter<GuestConnectionEvents> {
  private socket: WebSocket | undefined;
  private peer: Peer | undefined;
  private iceServers: RTCIceServer[] = [];
  private assembler = new FrameAssembler();
  private decodeChain: Promise<void> = Promise.resolve();
  private readonly credentials: GuestCredentials;
  private attempt = 0;
  private resuming = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
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

  /** Sends this guest's pointer or click to the host (lossy channel). */
  sendPointer(message: GuestPointerMessage): void {
    this.peer?.sendPointer(JSON.stringify(message));
  }

  /** Tells the host this guest is leaving (called on `pagehide`; synchronous). */
  sayGoodbye(): void {
    for (const frame of toFrames(encodePayloadNow({ t: 'bye' }), CHUNK_BYTES)) this.peer?.sendDom(frame);
  }

  /** Asks the host for a fresh snapshot. */
  async requestResync(): Promise<void> {
    const payload = await encodePayload({ t: 'resync' });
    for (const frame of toFrames(payload, CHUNK_BYTES)) this.peer?.sendDom(frame);
  }

  /** Closes socket and peer. Idempotent. */
  close(): void {
    this.done = true;
    clearTimeout(this.retryTimer);
    this.peer?.destroy();
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

  /** Each offer from the host starts a new peer: the host re-offers after a reload or a failure. */
  private handleSignal(data: SignalData): void {
    if ('description' in data && data.description.type === 'offer') {
      this.peer?.destroy();
      this.createPeer();
    }
    void this.peer?.handleSignal(data);
  }

  private createPeer(): void {
    const { secret } = this.options;
    const peer = new Peer({
      initiator: false, iceServers: this.iceServers, RTCPeerConnection: this.options.RTCPeerConnection,
      ...(secret ? { secret, requireAuth: true } : {}),
    });
    this.peer = peer;
    this.assembler = new FrameAssembler();
    this.emit('peerCreated');
    peer.on('signal', (data) => {
      this.send({ type: 'signal', data });
      if ('description' in data && data.description.type === 'answer') this.emit('answered');
    });
    peer.on('open', () => this.emit('peerOpen'));
    peer.on('dom', (frame) => this.handleFrame(frame));
    peer.on('pointer', (text) => this.handlePointer(text));
    peer.on('close', () => {
      if (this.peer !== peer) return; // Replaced by a newer offer.
      this.peer = undefined;
      // Let a `session-ended` racing the channel close win.
      setTimeout(() => {
        if (!this.done && !this.peer) this.emit('peerLost');
      }, 300);
    });
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
    // Page data flows peer-to-peer: a live view survives the signaling socket.
    if (!this.peer?.isOpen) this.emit('reconnecting');
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private handleFrame(frame: Uint8Array): void {
    let payload;
    try {
      payload = this.assembler.push(frame);
    } catch {
      void this.requestResync();
      return;
    }
    if (!payload) return;
    const p = payload;
    this.decodeChain = this.decodeChain
      .then(() => decodePayload(p))
      .then((json) => {
        const m = parseHostDomMessage(json);
        if (!m) throw new CwmnError(ErrorCode.PROTOCOL, 'Malformed host message');
        if (this.done) return;
        if (m.t === 'events') this.emit('events', m.events);
        else if (m.t === 'guest-state') this.emit('guestState', m.isHidden);
        else this.emit('sharing', m.paused);
      })
      .catch(() => this.requestResync());
  }

  private handlePointer(text: string): void {
    if (text.length > MAX_POINTER_MESSAGE_BYTES) return;
    try {
      const m = parseHostPointerMessage(JSON.parse(text));
      if (m) this.emit('pointer', m);
    } catch { /* malformed: dropped */ }
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
