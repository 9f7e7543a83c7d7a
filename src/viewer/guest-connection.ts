// The guest's side of the wires: joins over the signaling socket with the
// link token, answers the host's peer connection, reassembles and decodes
// DOM-channel messages in order, and reports validated messages as events.

import { Emitter } from '../common/emitter.js';
import {
  CwmnError, decodePayload, encodePayload, ErrorCode, FrameAssembler, MAX_POINTER_MESSAGE_BYTES,
  parseHostDomMessage, parseHostPointerMessage, parseServerToGuest, PROTOCOL_VERSION, toFrames, CHUNK_BYTES,
  type EndReason, type GuestPointerMessage, type GuestToServer, type HostPointerMessage, type WireEvent,
} from '../protocol/index.js';
import { Peer } from '../peer/peer.js';

export interface JoinInfo {
  guestId: string;
  sessionId: string;
  hostName: string;
}

export type GuestConnectionEvents = {
  joined: (info: JoinInfo) => void;
  /** The peer connection to the host is open. */
  peerOpen: () => void;
  events: (events: WireEvent[]) => void;
  /** The host hid (muted) or showed this guest's pointer. */
  guestState: (isHidden: boolean) => void;
  /** The host paused or resumed sharing for privacy. */
  sharing: (paused: boolean) => void;
  pointer: (message: HostPointerMessage) => void;
  /** The server refused the join or failed us (link used, expired…). */
  refused: (code: string, message: string) => void;
  ended: (reason: EndReason) => void;
  /** The link to the host dropped without the session ending. */
  lost: () => void;
};

export interface GuestConnectionOptions {
  socketUrl: string;
  token: string;
  name: string;
  RTCPeerConnection?: typeof RTCPeerConnection;
}

export class GuestConnection extends Emitter<GuestConnectionEvents> {
  private socket: WebSocket | undefined;
  private peer: Peer | undefined;
  private readonly assembler = new FrameAssembler();
  private decodeChain: Promise<void> = Promise.resolve();
  private done = false;

  constructor(private readonly options: GuestConnectionOptions) {
    super();
  }

  connect(): void {
    const socket = new WebSocket(this.options.socketUrl);
    this.socket = socket;
    socket.onopen = () => this.send({ type: 'guest-join', v: PROTOCOL_VERSION, token: this.options.token, name: this.options.name });
    socket.onmessage = (e) => {
      if (typeof e.data === 'string') this.handleServerMessage(e.data);
    };
    socket.onclose = () => {
      // Page data flows peer-to-peer: a live view survives the signaling socket.
      if (!this.done && !this.peer?.isOpen) this.finishLost();
    };
  }

  /** Sends this guest's pointer or click to the host (lossy channel). */
  sendPointer(message: GuestPointerMessage): void {
    this.peer?.sendPointer(JSON.stringify(message));
  }

  /** Asks the host for a fresh snapshot. */
  async requestResync(): Promise<void> {
    const payload = await encodePayload({ t: 'resync' });
    for (const frame of toFrames(payload, CHUNK_BYTES)) this.peer?.sendDom(frame);
  }

  /** Closes socket and peer. Idempotent. */
  close(): void {
    this.done = true;
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
        this.emit('joined', { guestId: m.guestId, sessionId: m.sessionId, hostName: m.hostName });
        this.createPeer(m.iceServers);
        break;
      case 'signal':
        void this.peer?.handleSignal(m.data);
        break;
      case 'session-ended':
        this.done = true;
        this.emit('ended', m.reason);
        this.close();
        break;
      case 'error':
        this.done = true;
        this.emit('refused', m.error.code, m.error.message);
        this.close();
        break;
    }
  }

  private createPeer(iceServers: RTCIceServer[]): void {
    const peer = new Peer({ initiator: false, iceServers, RTCPeerConnection: this.options.RTCPeerConnection });
    this.peer = peer;
    peer.on('signal', (data) => this.send({ type: 'signal', data }));
    peer.on('open', () => this.emit('peerOpen'));
    peer.on('dom', (frame) => this.handleFrame(frame));
    peer.on('pointer', (text) => this.handlePointer(text));
    peer.on('close', () => {
      // Let a `session-ended` racing the channel close win: report loss a moment later.
      setTimeout(() => {
        if (!this.done) this.finishLost();
      }, 300);
    });
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

  private finishLost(): void {
    this.done = true;
    this.emit('lost');
    this.close();
  }

  private send(message: GuestToServer): void {
    if (this.socket?.readyState === 1) this.socket.send(JSON.stringify(message));
  }
}
