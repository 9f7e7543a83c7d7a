// One signaling socket as the server writes to it: typed messages only,
// "error, then close" as one step, and closing that is safe to repeat.

import { WebSocket } from 'ws';
import type { LogFn } from '../config.js';
import {
  CloseCode, CwmnError, ErrorCode, toWireError, type ServerToGuest, type ServerToHost, type WireError,
} from '../../src/protocol/index.js';

/** Any message the server may send. */
export type ServerMessage = ServerToHost | ServerToGuest;


/** A socket whose peer does not read is dropped past this many queued bytes. */
export const MAX_SOCKET_BUFFER_BYTES = 1024 * 1024;

/** Error codes that mean "this is over" rather than "you broke a rule": closed normally. */
const NORMAL_END_CODES = new Set<string>([
  ErrorCode.NOT_FOUND, ErrorCode.SESSION_ENDED, ErrorCode.LINK_INVALID, ErrorCode.LINK_USED, ErrorCode.LINK_EXPIRED,
  ErrorCode.LINK_REVOKED,
]);

/** The close code that follows an error message of `code`. */
export function closeCodeFor(code: string): number {
  if (NORMAL_END_CODES.has(code)) return CloseCode.NORMAL;
  if (code === ErrorCode.SERVER) return CloseCode.INTERNAL_ERROR;
  return CloseCode.POLICY_VIOLATION;
}

/** Where a socket comes from. */
export interface ClientOrigin {
  /** Remote address. */
  ip: string;
  /** `Origin` header of the upgrade request, if any. */
  origin: string | undefined;
  /** Host name of the upgrade request's `Host` header (lower case, IPv6 without brackets); null when absent or not a host name or IP literal. */
  host: string | null;
}

/** A socket that may be sent messages of type `Out` (and errors). */
export class Client<Out extends ServerMessage> {
  /**
   * @param log receives one line per refusal (`fail`)
   * @param failure shared by every typed view of one socket (see `as`)
   */
  constructor(
    private readonly ws: WebSocket,
    readonly from: ClientOrigin,
    private readonly log: LogFn = () => {},
    private readonly failure: { value: WireError | null } = { value: null },
  ) {}

  /** The same socket, typed for a role. */
  as<T extends ServerMessage>(): Client<T> {
    return new Client<T>(this.ws, this.from, this.log, this.failure);
  }

  /** The error the server closed this socket with (`fail`), or null: the peer went away by itself. */
  get failedWith(): WireError | null {
    return this.failure.value;
  }

  /** True while messages can be sent and received. */
  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends one message; dropped when the socket is not open. */
  send(message: Out): void {
    this.write(message);
  }

  /** Sends a message serialized elsewhere (a typed `Out` of another server's, come over the bus). */
  sendText(text: string): void {
    this.write(text);
  }

  /** Sends `{type:'error', error}`, then closes with the code that goes with it. */
  fail(error: WireError, closeCode: number = closeCodeFor(error.code)): void {
    this.failure.value = error;
    this.log(`socket ${this.from.ip} refused: ${error.code} ${error.message}`);
    this.write({ type: 'error', error });
    this.close(closeCode, error.code);
  }

  /** What `run` returns; when it throws a `CwmnError` (a refusal), the socket fails with it and null is returned. */
  refuseOn<T>(run: () => T): T | null {
    try {
      return run();
    } catch (err) {
      if (!(err instanceof CwmnError)) throw err;
      this.fail(toWireError(err));
      return null;
    }
  }

  /** Starts the closing handshake. Idempotent. */
  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
  }

  /** Drops the connection at once (no handshake). Idempotent. */
  terminate(): void {
    this.ws.terminate();
  }

  private write(message: ServerMessage | string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > MAX_SOCKET_BUFFER_BYTES) {
      this.ws.terminate(); // The peer stopped reading; it would only grow our memory.
      return;
    }
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }
}
