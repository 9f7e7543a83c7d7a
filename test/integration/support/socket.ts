// A signaling client for tests: a `ws` socket with a queue of received
// messages, each validated with the protocol's own parser.

import WebSocket from 'ws';
import {
  parseServerToGuest, parseServerToHost, PROTOCOL_VERSION,
  type Parsed, type ServerToGuest, type ServerToHost,
} from '../../../src/protocol/index.js';
import { createSession } from './http.js';
import type { Endpoint } from './server.js';

/** How long a test waits for a message or a close before failing. */
export const WAIT_MS = 5000;

/** How a socket closed. */
export interface Closed {
  code: number;
  reason: string;
}

/** A test's end of a signaling socket; `M` is what the server may send it. */
export class TestSocket<M extends { type: string }> {
  private readonly queue: M[] = [];
  private waiter: (() => void) | null = null;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<Closed>;
  private isClosed = false;

  constructor(readonly ws: WebSocket, parse: (raw: string) => Parsed<M>) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('The server sent a binary message');
      const parsed = parse(data.toString());
      if (!parsed.ok) throw new Error(`The server sent an invalid message: ${parsed.error.message}: ${data.toString()}`);
      this.queue.push(parsed.value);
      this.waiter?.();
    });
    ws.on('error', () => {}); // Close codes are what tests look at.
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.isClosed = true;
        this.waiter?.();
        resolve({ code, reason: reason.toString() });
      });
    });
  }

  /** Sends an object as JSON, or a string as is. */
  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message, whatever its type. */
  next(timeoutMs = WAIT_MS): Promise<M> {
    return this.take(() => true, timeoutMs);
  }

  /**
   * The first message (received or still to come) for which `match` is true,
   * taken out of the queue; messages before it stay queued, in order.
   */
  async take(match: (message: M) => boolean, timeoutMs = WAIT_MS): Promise<M> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.queue.findIndex(match);
      if (index >= 0) return this.queue.splice(index, 1)[0] as M;
      if (this.isClosed) throw new Error('Socket closed while waiting for a message');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('Timed out waiting for a message');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
  }

  /** The next message, which must be of `type`. */
  async expect<T extends M['type']>(type: T, timeoutMs = WAIT_MS): Promise<Extract<M, { type: T }>> {
    const message = await this.next(timeoutMs);
    if (message.type !== type) throw new Error(`Expected ${type}, got ${JSON.stringify(message)}`);
    return message as Extract<M, { type: T }>;
  }

  /** Messages received and not yet taken. */
  get pending(): readonly M[] {
    return this.queue;
  }

  /** Waits for the close, failing after `timeoutMs`. */
  async waitClosed(timeoutMs = WAIT_MS): Promise<Closed> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('Timed out waiting for the socket to close')), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes from the client side. */
  close(): void {
    this.ws.close();
  }
}

/** A host's socket. */
export type HostSocket = TestSocket<ServerToHost>;
/** A guest's socket. */
export type GuestSocket = TestSocket<ServerToGuest>;

/** Opens a socket to `server` (where hosts connect, unless `url` says otherwise) with the given Origin header (default: the server's own). */
export function openSocket(
  server: Endpoint, origin: string | null = server.origin, options: WebSocket.ClientOptions = {}, url = server.wsUrl,
): Promise<WebSocket> {
  const headers: Record<string, string> = origin === null ? {} : { Origin: origin };
  const ws = new WebSocket(url, { headers, ...options });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Opens a socket that reads server messages as a host does. */
export async function openHostSocket(server: Endpoint, origin?: string | null, options?: WebSocket.ClientOptions): Promise<HostSocket> {
  return new TestSocket(await openSocket(server, origin, options), parseServerToHost);
}

/** Opens a socket where guests connect (the second server on Redis), reading server messages as a guest does. */
export async function openGuestSocket(server: Endpoint, origin?: string | null): Promise<GuestSocket> {
  return new TestSocket(await openSocket(server, origin, {}, server.guestWsUrl), parseServerToGuest);
}

/** A host connected to a new session. */
export interface ConnectedHost {
  socket: HostSocket;
  sessionId: string;
  hostToken: string;
  welcome: Extract<ServerToHost, { type: 'welcome' }>;
}

/** Creates a session over HTTP and introduces its host on a socket. */
export async function connectHost(server: Endpoint, hostName = 'Ada'): Promise<ConnectedHost> {
  const { session, hostToken } = await createSession(server, hostName);
  const socket = await openHostSocket(server);
  socket.send({ type: 'host-hello', v: PROTOCOL_VERSION, sessionId: session.sessionId, hostToken });
  const welcome = await socket.expect('welcome');
  return { socket, sessionId: session.sessionId, hostToken, welcome };
}

let nextRid = 1;

/** Sends a host request and returns its reply. */
export async function hostRequest(host: HostSocket, type: 'create-link' | 'end-session') {
  const rid = nextRid++;
  host.send({ type, rid });
  const reply = await host.expect('reply');
  if (reply.rid !== rid) throw new Error(`Reply to ${reply.rid}, expected ${rid}`);
  return reply;
}

/** A host's reply to a request. */
export type Reply = Extract<ServerToHost, { type: 'reply' }>;

/**
 * Sends `request` (a new `rid` is added) and waits for its reply, leaving any
 * other message (guest-joined, guest-left, …) queued for the test.
 */
export async function sendRequest(host: HostSocket, request: Record<string, unknown>, timeoutMs = WAIT_MS): Promise<Reply> {
  const rid = nextRid++;
  host.send({ ...request, rid });
  return await host.take((m) => m.type === 'reply' && m.rid === rid, timeoutMs) as Reply;
}

/** Sends `request` and returns its result; fails the test when the reply is an error. */
export async function requestOk<T = unknown>(host: HostSocket, request: Record<string, unknown>): Promise<T> {
  const reply = await sendRequest(host, request);
  if (!reply.ok) throw new Error(`${String(request.type)} failed: ${reply.error.code} ${reply.error.message}`);
  return reply.result as T;
}

/** Asks the host's server for a new invite link; returns its URL. */
export async function createLink(host: HostSocket): Promise<string> {
  const reply = await sendRequest(host, { type: 'create-link' });
  if (!reply.ok) throw new Error(`create-link failed: ${reply.error.code}`);
  return (reply.result as { url: string }).url;
}

/** The token part of an invite link. */
export function tokenOf(url: string): string {
  return new URL(url).pathname.split('/').pop() ?? '';
}

/** Opens a guest socket and presents the link's token. */
export async function joinAsGuest(server: Endpoint, url: string, name = ''): Promise<GuestSocket> {
  const guest = await openGuestSocket(server);
  guest.send({ type: 'guest-join', v: PROTOCOL_VERSION, token: tokenOf(url), name });
  return guest;
}
