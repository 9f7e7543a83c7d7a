// One signaling socket from open to close: the introduction deadline, the
// message rate limit, refusing binary frames, and handing text to its role.

import type { RawData, WebSocket } from 'ws';
import { CloseCode, ErrorCode } from '../../src/protocol/index.js';
import type { LogFn } from '../config.js';
import { SOCKET_MESSAGE_LIMIT, TokenBucket } from '../rate-limit.js';
import { Client, type ClientOrigin, type ServerMessage } from './client.js';
import type { Role } from './role.js';

/** What a connection needs from the hub. */
export interface ConnectionDeps {
  /** Time allowed for the first message. */
  helloTimeoutMs: number;
  /** Turns the first message into a role (or refuses the socket: null). */
  introduce: (client: Client<ServerMessage>, text: string) => Promise<Role | null>;
  log: LogFn;
  /** Sees every text message received (see `ServerConfig.audit`). */
  audit?: (text: string) => void;
}

/** Drives one socket; all cleanup happens on the socket's `close` event. */
export class Connection {
  private readonly client: Client<ServerMessage>;
  private readonly bucket = new TokenBucket(SOCKET_MESSAGE_LIMIT);
  private role: Role | null = null;
  /** Texts that came while the introduction was being decided, handled in order once it is; null when none is. */
  private waiting: string[] | null = null;
  private isClosed = false;
  private helloTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(ws: WebSocket, private readonly from: ClientOrigin, private readonly deps: ConnectionDeps) {
    this.client = new Client(ws, from, deps.log);
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', () => this.onClose());
    // Oversized frames (ws closes with 1009), bad UTF-8, resets: ws closes the socket; we only note it.
    ws.on('error', (err) => deps.log(`socket ${from.ip}: ${err.message}`));
    this.helloTimer = setTimeout(() => {
      this.client.fail({ code: ErrorCode.PROTOCOL, message: `No host-hello, guest-join or guest-resume within ${deps.helloTimeoutMs} ms` });
    }, deps.helloTimeoutMs);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (!this.client.isOpen) return; // Closing: whatever was still in flight is ignored.
    if (!this.bucket.take()) {
      this.client.fail({ code: ErrorCode.RATE_LIMITED, message: 'Too many messages; slow down' });
      return;
    }
    if (isBinary) {
      this.client.fail({ code: ErrorCode.PROTOCOL, message: 'Binary messages are not part of the protocol' }, CloseCode.UNSUPPORTED_DATA);
      return;
    }
    const text = rawText(data);
    this.deps.audit?.(text);
    if (this.waiting) this.waiting.push(text);
    else if (this.role) this.handle(this.role, text);
    else void this.introduce(text);
  }

  private async introduce(text: string): Promise<void> {
    clearTimeout(this.helloTimer);
    this.waiting = [];
    let role: Role | null;
    try {
      role = await this.deps.introduce(this.client, text);
    } catch (err) {
      this.waiting = null;
      this.failed('handler', err);
      return;
    }
    const waiting = this.waiting;
    this.waiting = null;
    if (!role) return; // Refused: the socket is closing, whatever followed is ignored.
    if (this.isClosed) {
      // The socket closed while it was being admitted: the role ends at once.
      this.end(role);
      return;
    }
    this.role = role;
    for (const next of waiting) if (this.client.isOpen && this.role === role) this.handle(role, next);
  }

  private handle(role: Role, text: string): void {
    try {
      const done = role.handle(text);
      if (done) done.catch((err: unknown) => this.failed('handler', err));
    } catch (err) {
      this.failed('handler', err);
    }
  }

  private failed(what: 'handler' | 'cleanup', err: unknown): void {
    this.deps.log(`socket ${this.from.ip}: ${what} failed: ${(err as Error)?.stack ?? String(err)}`);
    if (what === 'handler') this.client.fail({ code: ErrorCode.SERVER, message: 'Internal error' });
  }

  private onClose(): void {
    clearTimeout(this.helloTimer);
    this.isClosed = true;
    const role = this.role;
    this.role = null;
    if (role) this.end(role);
  }

  private end(role: Role): void {
    try {
      role.closed();
    } catch (err) {
      this.failed('cleanup', err);
    }
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
