// The WebSocket endpoint: accepts upgrades on `/ws`, gives each socket a
// Connection and a heartbeat, and closes them all on shutdown.

import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { hostNameOf } from '../http/host-name.js';
import { requestUrl } from '../http/request-url.js';
import { CloseCode, MAX_SIGNALING_MESSAGE_BYTES } from '../../src/protocol/index.js';
import type { LogFn } from '../config.js';
import { SOCKET_OPEN_LIMIT, type RateLimiter, type RateLimiterFactory } from '../rate-limit.js';
import type { ClientOrigin } from './client.js';
import { Connection } from './connection.js';
import { Heartbeat } from './heartbeat.js';
import { introduce } from './introduce.js';
import type { RoleDeps } from './role.js';

/** Path of the signaling socket. */
export const WS_PATH = '/ws';
/** On shutdown, sockets get this long to finish the closing handshake before they are dropped. */
export const SHUTDOWN_GRACE_MS = 1000;

/** Settings and collaborators of the hub. */
export interface SocketHubOptions {
  roles: RoleDeps;
  helloTimeoutMs: number;
  pingIntervalMs: number;
  log: LogFn;
  /** Makes the limiter of socket opens per client address. */
  limiters: RateLimiterFactory;
  /** Sees every text message received (see `ServerConfig.audit`). */
  audit?: (text: string) => void;
}

/** All signaling sockets of the server. */
export class SocketHub {
  private readonly wss: WebSocketServer;
  private readonly heartbeat: Heartbeat;
  private readonly openLimiter: RateLimiter;
  private closing: Promise<void> | null = null;

  constructor(private readonly options: SocketHubOptions) {
    // A shared limiter that cannot be reached lets sockets open: a store blip must not refuse every reconnect.
    this.openLimiter = options.limiters('socket-open', SOCKET_OPEN_LIMIT, 'allow');
    // Oversized messages make ws close the socket with 1009 and emit `error` on it (handled in Connection).
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_SIGNALING_MESSAGE_BYTES, perMessageDeflate: false });
    this.heartbeat = new Heartbeat(options.pingIntervalMs);
    this.heartbeat.start();
  }

  /** Handles an HTTP upgrade request (the http server's `upgrade` event). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A reset during the handshake must not become an uncaught error. The listener is one function for
    // all sockets: a closure made here would keep this request alive as long as the socket.
    socket.on('error', ignoreSocketError);
    const url = requestUrl(req);
    const ip = req.socket.remoteAddress ?? '';
    if (this.closing) return rejectUpgrade(socket, 503);
    if (!url) return rejectUpgrade(socket, 400);
    if (url.pathname !== WS_PATH) return rejectUpgrade(socket, 404);
    void this.openLimiter.take(ip).then((allowed) => {
      if (!allowed) {
        this.options.log(`socket ${ip} refused: too many connections`);
        return rejectUpgrade(socket, 429);
      }
      const from = { ip, origin: req.headers.origin, host: hostNameOf(req.headers.host) };
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, from));
    }, () => rejectUpgrade(socket, 503));
  }

  /** Forgets idle rate-limit state, looking at `max` entries at most (see `RateLimiter.sweep`). */
  sweep(max?: number): void {
    this.openLimiter.sweep(max);
  }

  /** Number of open sockets. */
  get size(): number {
    return this.wss.clients.size;
  }

  /** Closes every socket (1001) and stops the heartbeat. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private accept(ws: WebSocket, from: ClientOrigin): void {
    if (this.closing) {
      ws.terminate();
      return;
    }
    this.heartbeat.track(ws);
    new Connection(ws, from, {
      helloTimeoutMs: this.options.helloTimeoutMs,
      introduce: (client, text) => introduce(client, text, this.options.roles),
      log: this.options.log,
      audit: this.options.audit,
    });
  }

  private async shutdown(): Promise<void> {
    this.heartbeat.stop();
    await Promise.all([...this.wss.clients].map((ws) => closeWithin(ws, SHUTDOWN_GRACE_MS)));
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/** The error listener of an upgrading socket (a reset during the handshake): one function, holding nothing. */
export function ignoreSocketError(): void {}

/** Answers an upgrade request with a plain HTTP error and closes it. */
export function rejectUpgrade(socket: Duplex, status: number): void {
  const text = STATUS_CODES[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}

function closeWithin(ws: WebSocket, graceMs: number): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), graceMs);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(CloseCode.GOING_AWAY, 'server shutting down');
  });
}
