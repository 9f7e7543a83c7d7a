// The relay endpoint: accepts upgrades on `/relay` (the server's one port, so
// a network that lets a browser reach the server lets it reach the relay),
// admits each socket by its `relay-hello` (the host's token, or a guest's
// resume token), then passes its binary frames to the switch. Its own limits:
// binary frames up to `MAX_RELAY_FRAME_BYTES`, a byte rate per socket, and a
// socket that keeps sending malformed frames is closed.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  CloseCode, ErrorCode, MAX_RELAY_FRAME_BYTES, parseRelayHello,
  type RelayHello, type WireError,
} from '../../src/protocol/index.js';
import type { Bus } from '../bus/bus.js';
import type { LogFn } from '../config.js';
import type { GuestService } from '../guests.js';
import type { OriginPolicy } from '../origins.js';
import { SOCKET_OPEN_LIMIT, TokenBucket, type RateLimiter, type RateLimiterFactory } from '../rate-limit.js';
import type { SessionService } from '../sessions.js';
import { Heartbeat } from '../ws/heartbeat.js';
import { ignoreSocketError, rejectUpgrade } from '../ws/socket-hub.js';
import { RelaySwitch, sendControl } from './relay-switch.js';

/** Bytes per second one relay socket may send (bursts: 64 MiB), well above a page's snapshots. */
export const RELAY_BYTES_PER_SECOND = 32 * 1024 * 1024;
/** Malformed frames a socket may send before it is closed. */
export const MAX_BAD_RELAY_FRAMES = 20;

export interface RelayHubOptions {
  /** What carries frames to the relay sockets of a session, whichever server they are on. */
  bus: Bus;
  sessions: SessionService;
  guests: GuestService;
  origins: OriginPolicy;
  helloTimeoutMs: number;
  pingIntervalMs: number;
  log: LogFn;
  /** Makes the limiter of relay socket opens per client address. */
  limiters: RateLimiterFactory;
  /** Sees every frame received, text and binary (see `ServerConfig.auditBytes`). */
  audit?: (bytes: Uint8Array) => void;
}

/** Who a relay socket belongs to, once admitted. */
type Admitted = { sessionId: string; guestId: string | null };

export class RelayHub {
  readonly switch: RelaySwitch;
  private readonly wss: WebSocketServer;
  private readonly heartbeat: Heartbeat;
  private readonly openLimiter: RateLimiter;
  private closing = false;

  constructor(private readonly options: RelayHubOptions) {
    this.openLimiter = options.limiters('relay-open', SOCKET_OPEN_LIMIT, 'allow');
    this.switch = new RelaySwitch(options.bus);
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_RELAY_FRAME_BYTES, perMessageDeflate: false });
    this.heartbeat = new Heartbeat(options.pingIntervalMs);
    this.heartbeat.start();
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', ignoreSocketError); // See SocketHub.handleUpgrade.
    const ip = req.socket.remoteAddress ?? '';
    if (this.closing) return rejectUpgrade(socket, 503);
    void this.openLimiter.take(ip).then((allowed) => {
      if (!allowed) return rejectUpgrade(socket, 429);
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, ip, req.headers.origin));
    }, () => rejectUpgrade(socket, 503));
  }

  /** Forgets idle rate-limit state, looking at `max` entries at most (see `RateLimiter.sweep`). */
  sweep(max?: number): void {
    this.openLimiter.sweep(max);
  }

  /** Closes every relay socket. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.heartbeat.stop();
    this.switch.close();
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket, ip: string, origin: string | undefined): void {
    if (this.closing) {
      ws.terminate();
      return;
    }
    this.heartbeat.track(ws);
    const { log, audit } = this.options;
    const bucket = new TokenBucket({ perSecond: RELAY_BYTES_PER_SECOND, burst: 2 * RELAY_BYTES_PER_SECOND });
    let admitted: Admitted | null = null;
    /** Frames that came while the hello was being checked; null when none is. */
    let queued: { bytes: Uint8Array; isBinary: boolean }[] | null = null;
    let bad = 0;
    const refuse = (error: WireError, code: number = CloseCode.POLICY_VIOLATION) => {
      log(`relay socket ${ip} refused: ${error.code} ${error.message}`);
      sendControl(ws, { type: 'error', error });
      ws.close(code, error.code);
    };
    const relayFrame = (from: Admitted, bytes: Uint8Array, isBinary: boolean) => {
      if (!isBinary) return refuse({ code: ErrorCode.PROTOCOL, message: 'Only binary frames follow relay-hello' }, CloseCode.UNSUPPORTED_DATA);
      const ok = from.guestId === null
        ? this.switch.fromHost(from.sessionId, bytes)
        : (this.switch.fromGuest(from.sessionId, from.guestId, bytes), true);
      if (!ok && ++bad > MAX_BAD_RELAY_FRAMES) refuse({ code: ErrorCode.PROTOCOL, message: 'Too many malformed relay frames' });
    };
    const helloTimer = setTimeout(() => refuse({ code: ErrorCode.PROTOCOL, message: 'No relay-hello in time' }), this.options.helloTimeoutMs);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      const bytes = toBytes(data);
      audit?.(bytes);
      if (!bucket.take(bytes.length)) {
        refuse({ code: ErrorCode.RATE_LIMITED, message: 'Too much data on the relay; slow down' });
        return;
      }
      if (queued) {
        queued.push({ bytes, isBinary });
        return;
      }
      if (admitted) {
        relayFrame(admitted, bytes, isBinary);
        return;
      }
      clearTimeout(helloTimer);
      if (isBinary) return refuse({ code: ErrorCode.PROTOCOL, message: 'Expected relay-hello' });
      const parsed = parseRelayHello(Buffer.from(bytes).toString('utf8'));
      if (!parsed.ok) return refuse(parsed.error);
      // Frames that come while the hello is checked wait for its answer, in order.
      queued = [];
      this.admitAndAttach(parsed.value, origin, ws).then((result) => {
        const waiting = queued ?? [];
        queued = null;
        if (result === null) return; // Closed meanwhile.
        if (!result.ok) return refuse(result.error, CloseCode.NORMAL);
        admitted = result.admitted;
        const { sessionId, guestId } = admitted;
        log(`relay: ${guestId === null ? 'host' : `guest ${guestId}`} of ${sessionId} attached`, { sessionId, ...(guestId === null ? {} : { guestId }) });
        for (const frame of waiting) if (ws.readyState === WebSocket.OPEN) relayFrame(admitted, frame.bytes, frame.isBinary);
      }, (err: unknown) => {
        queued = null;
        log(`relay socket ${ip}: admission failed: ${(err as Error)?.stack ?? String(err)}`);
        refuse({ code: ErrorCode.SERVER, message: 'Internal error' }, CloseCode.INTERNAL_ERROR);
      });
    });
    ws.on('close', () => {
      clearTimeout(helloTimer);
      if (admitted) this.switch.detach(admitted.sessionId, ws, admitted.guestId);
    });
    ws.on('error', (err) => log(`relay socket ${ip}: ${err.message}`));
  }

  /**
   * Admits a relay socket (see `admit`) and attaches it to the switch, which
   * tells it `relay-ready`; null when it closed while it was being admitted.
   */
  private async admitAndAttach(
    hello: RelayHello, origin: string | undefined, ws: WebSocket,
  ): Promise<{ ok: true; admitted: Admitted } | { ok: false; error: WireError } | null> {
    const result = await this.admit(hello, origin);
    if (ws.readyState !== WebSocket.OPEN) return null;
    if (!result.ok) return result;
    const { sessionId, guestId } = result.admitted;
    await (guestId === null ? this.switch.attachHost(sessionId, ws) : this.switch.attachGuest(sessionId, guestId, ws));
    return result;
  }

  /** The host by its token, a guest by its resume token; both of a running realtime session. */
  private async admit(hello: RelayHello, origin: string | undefined): Promise<{ ok: true; admitted: Admitted } | { ok: false; error: WireError }> {
    if (!this.options.origins.isAllowed(origin)) {
      return { ok: false, error: { code: ErrorCode.UNAUTHORIZED, message: 'This origin may not use the relay' } };
    }
    if (hello.role === 'host') {
      const check = await this.options.sessions.checkHost(hello.sessionId, hello.hostToken);
      if (!check.ok) return check;
      if (check.session.isReplay) return { ok: false, error: { code: ErrorCode.INVALID_STATE, message: 'A replay session has no guests to relay to' } };
      return { ok: true, admitted: { sessionId: check.session.id, guestId: null } };
    }
    const check = await this.options.guests.checkResume(hello.guestId, hello.resumeToken);
    if (!check.ok) return check;
    return { ok: true, admitted: { sessionId: check.session.id, guestId: check.guest.id } };
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return new Uint8Array(data);
}
