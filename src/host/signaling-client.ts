// The host's signaling socket: authenticates with the host token, turns
// requests into promises, reconnects with back-off, and reports what the
// server says as typed events. It knows nothing about peers or the page.

import { Emitter } from '../common/emitter.js';
import {
  CloseCode, CwmnError, ErrorCode, fromWireError, isErrorCode, parseServerToHost, PROTOCOL_VERSION,
  type EndReason, type GuestRecord, type RelayMode, type HostToServer, type PublicLinkState, type ServerToHost, type SessionInfo, type SignalData,
} from '../protocol/index.js';
import { defaultReconnectPolicy, type ReconnectPolicy } from '../common/reconnect-policy.js';

/** A request without a reply after this long fails with `ERR_NETWORK`. */
export const REQUEST_TIMEOUT_MS = 10_000;

export interface Welcome {
  session: SessionInfo;
  guests: GuestRecord[];
  iceServers: RTCIceServer[];
  publicLink: PublicLinkState;
  relay: RelayMode;
  relayFanoutGuests: number | null;
}

export type SignalingEvents = {
  /** Authenticated (again, after a reconnection). */
  welcome: (welcome: Welcome) => void;
  guestJoined: (guest: GuestRecord) => void;
  guestLeft: (guestId: string) => void;
  signal: (from: string, data: SignalData) => void;
  /** The server ended the session. */
  sessionEnded: (reason: EndReason) => void;
  /** The socket dropped; reconnection is under way. */
  disconnected: () => void;
  /** The server refused us for good (bad token, session gone…). */
  fatal: (error: CwmnError) => void;
};

type Pending = { resolve: (v: unknown) => void; reject: (e: CwmnError) => void; timer: ReturnType<typeof setTimeout> };
/** A request as the caller writes it: the client adds the `rid`. */
export type SignalingRequest = HostToServer extends infer M ? (M extends { rid: number } ? Omit<M, 'rid'> : never) : never;

export interface SignalingClientOptions {
  url: string;
  sessionId: string;
  hostToken: string;
  policy?: ReconnectPolicy;
  /**
   * Keep trying the first connection for `PATIENT_CONNECT_MS` instead of failing
   * at the first drop (a resuming page may meet a server that is restarting).
   */
  patient?: boolean;
  WebSocket?: typeof WebSocket;
}

/** How long a patient first connection keeps trying. */
export const PATIENT_CONNECT_MS = 15_000;

export class SignalingClient extends Emitter<SignalingEvents> {
  private socket: WebSocket | undefined;
  private nextRid = 1;
  private readonly pending = new Map<number, Pending>();
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private authenticated = false;

  constructor(private readonly options: SignalingClientOptions) {
    super();
  }

  /** Where the server is and who we are on it (the relay socket says hello with the same). */
  get credentials(): { url: string; sessionId: string; hostToken: string } {
    const { url, sessionId, hostToken } = this.options;
    return { url, sessionId, hostToken };
  }

  /** Connects; resolves with the first welcome, rejects when refused or unreachable. */
  connect(): Promise<Welcome> {
    return new Promise((resolve, reject) => {
      const unreachable = () => {
        offWelcome(); offFatal(); offDown();
        clearTimeout(deadline);
        this.close();
        reject(new CwmnError(ErrorCode.NETWORK, 'The signaling server could not be reached'));
      };
      const deadline = this.options.patient ? setTimeout(unreachable, PATIENT_CONNECT_MS) : undefined;
      const offWelcome = this.once('welcome', (w) => { offFatal(); offDown(); clearTimeout(deadline); resolve(w); });
      const offFatal = this.once('fatal', (e) => { offWelcome(); offDown(); clearTimeout(deadline); reject(e); });
      const offDown = this.options.patient ? () => {} : this.once('disconnected', unreachable);
      this.open();
    });
  }

  /** Sends a request and resolves with the server's result. */
  request(request: SignalingRequest, timeoutMs = REQUEST_TIMEOUT_MS): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (!this.authenticated) {
        reject(new CwmnError(ErrorCode.NETWORK, 'Not connected to the server'));
        return;
      }
      const rid = this.nextRid++;
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        reject(new CwmnError(ErrorCode.NETWORK, 'The server did not answer in time'));
      }, timeoutMs);
      this.pending.set(rid, { resolve, reject, timer });
      this.send({ ...request, rid } as HostToServer);
    });
  }

  /** Relays negotiation data to one guest (dropped while disconnected: peers retry). */
  signal(to: string, data: SignalData): void {
    this.send({ type: 'signal', to, data });
  }

  /** Closes the socket and stops reconnecting. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.failPending(new CwmnError(ErrorCode.SIGNALING, 'Signaling closed'));
    if (this.socket) {
      this.socket.onopen = this.socket.onmessage = this.socket.onclose = this.socket.onerror = null;
      this.socket.close(1000);
    }
    this.removeAllListeners();
  }

  private open(): void {
    const WS = this.options.WebSocket ?? WebSocket;
    const socket = new WS(this.options.url);
    this.socket = socket;
    socket.onopen = () => {
      this.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: this.options.sessionId, hostToken: this.options.hostToken });
    };
    socket.onmessage = (e) => {
      if (typeof e.data === 'string') this.handleMessage(e.data);
    };
    socket.onclose = (e) => this.handleClose(e.code);
  }

  private handleMessage(raw: string): void {
    const parsed = parseServerToHost(raw);
    if (!parsed.ok) return; // A malformed server message is ignored, not trusted.
    const m: ServerToHost = parsed.value;
    switch (m.type) {
      case 'welcome':
        this.authenticated = true;
        this.attempt = 0;
        this.emit('welcome', { session: m.session, guests: m.guests, iceServers: m.iceServers, publicLink: m.publicLink, relay: m.relay, relayFanoutGuests: m.relayFanoutGuests });
        break;
      case 'reply': {
        const p = this.pending.get(m.rid);
        if (!p) return;
        this.pending.delete(m.rid);
        clearTimeout(p.timer);
        if (m.ok) p.resolve(m.result);
        else p.reject(toError(m.error.code, m.error.message));
        break;
      }
      case 'guest-joined': this.emit('guestJoined', m.guest); break;
      case 'guest-left': this.emit('guestLeft', m.guestId); break;
      case 'signal': this.emit('signal', m.from, m.data); break;
      case 'session-ended': this.emit('sessionEnded', m.reason); break;
      case 'error': {
        const err = toError(m.error.code, m.error.message);
        this.emit('fatal', err);
        this.close();
        break;
      }
    }
  }

  private handleClose(code: number): void {
    if (this.closed) return;
    if (code === CloseCode.REPLACED) {
      // Another page of this tab (or a duplicated tab) took the session over: do not fight it.
      this.emit('fatal', new CwmnError(ErrorCode.SIGNALING, 'Another page took over this session'));
      this.close();
      return;
    }
    this.authenticated = false;
    this.failPending(new CwmnError(ErrorCode.NETWORK, 'Connection to the server lost'));
    this.emit('disconnected');
    if (this.closed) return;
    const delay = (this.options.policy ?? defaultReconnectPolicy).nextRetryDelayMs(this.attempt++);
    if (delay === null) {
      this.emit('fatal', new CwmnError(ErrorCode.NETWORK, 'Gave up reconnecting to the server'));
      this.close();
      return;
    }
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  private send(message: HostToServer): void {
    if (this.socket?.readyState === 1) this.socket.send(JSON.stringify(message));
  }

  private failPending(err: CwmnError): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }
}

function toError(code: string, message: string): CwmnError {
  return isErrorCode(code) ? fromWireError({ code, message }) : new CwmnError(ErrorCode.SERVER, message);
}
