// Clients for the server fuzz: a signaling socket that reports, per message
// sent, everything the server answered before a ping came back (or the
// close), an HTTP request with every part chosen by the test, and raw TCP.

import http from 'node:http';
import net from 'node:net';
import WebSocket from 'ws';

/**
 * Client addresses on the loopback network (127.42.x.y): the server limits
 * socket opens and session creations per address, and a fuzz run opens
 * thousands; spreading them keeps the limits out of the way of the cases.
 */
export class AddressPool {
  private used = 0;

  constructor(private readonly perAddress = 40) {}

  next(): string {
    const i = Math.floor(this.used++ / this.perAddress);
    return `127.42.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`;
  }
}

/** What the server did after one message: what it sent, whether it closed, whether it went quiet past the deadline. */
export interface Outcome {
  messages: Record<string, unknown>[];
  closed: { code: number; reason: string } | null;
  timedOut: boolean;
}

/** How long the server may take to answer one message. */
export const ANSWER_TIMEOUT_MS = 3000;

/** Host requests the server answers with a `reply` carrying their `rid`. */
const REQUEST_TYPES = new Set(['create-link', 'remove-guest', 'set-public-link', 'invite-guest', 'end-session']);

/**
 * One signaling socket. `exchange()` sends a message, then a ping. What the
 * server says at once about a message comes before the pong; what it answers
 * after waiting for its store (an introduction, a host request) may come
 * after it, so for those `exchange()` also waits for the answer: a message
 * (for a request, its reply), or the close.
 */
export class Probe {
  private inbox: Record<string, unknown>[] = [];
  /** Every message received on this socket, in order. */
  readonly history: Record<string, unknown>[] = [];
  closed: { code: number; reason: string } | null = null;
  private wake: (() => void) | null = null;
  private sent = 0;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      let m: Record<string, unknown>;
      try {
        m = isBinary ? { binary: true } : JSON.parse(data.toString()) as Record<string, unknown>;
      } catch {
        m = { unparsable: data.toString() };
      }
      this.inbox.push(m);
      this.history.push(m);
      this.onMessage?.();
    });
    ws.on('pong', () => this.wake?.());
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake?.();
    });
    ws.on('error', () => {}); // The close code is what the fuzz looks at.
  }

  /** Opens a socket from `localAddress`; rejects with the HTTP status when the upgrade is refused. */
  static open(port: number, localAddress: string, origin: string | null): Promise<Probe> {
    const headers: Record<string, string> = origin === null ? {} : { Origin: origin };
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers, localAddress, perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Probe(ws)));
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`upgrade refused: ${res.statusCode}`));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends `data` as a text frame (even when it is not valid UTF-8) or a binary frame, and reports what followed. */
  async exchange(data: string | Buffer, binary = false): Promise<Outcome> {
    this.inbox = []; // Whatever came between exchanges (e.g. `guest-joined` on a host socket) stays in `history`.
    if (!this.isOpen) return { messages: [], closed: this.closed ?? { code: 0, reason: 'not open' }, timedOut: false };
    const done = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(true), ANSWER_TIMEOUT_MS);
      this.wake = () => {
        clearTimeout(timer);
        resolve(false);
      };
    });
    const answered = binary ? null : answerTest(data.toString(), this.sent === 0);
    this.sent += 1;
    this.ws.send(data, { binary });
    this.ws.ping();
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    let timedOut = await done;
    this.wake = null;
    if (!timedOut && answered && !this.closed && !this.inbox.some(answered)) timedOut = !await this.answer(answered, deadline - Date.now());
    // A close frame may trail the error message by a moment.
    if (!timedOut && !this.closed && this.inbox.some((m) => m.type === 'error')) await this.waitClosed(1000);
    return { messages: this.inbox.splice(0), closed: this.closed, timedOut };
  }

  private onMessage: (() => void) | null = null;

  /** Waits for a message of the inbox matching `test`, or the close (true), or `timeoutMs` (false). */
  private answer(test: (m: Record<string, unknown>) => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        this.onMessage = null;
        this.ws.off('close', onClose);
        resolve(ok);
      };
      const timer = setTimeout(() => finish(false), Math.max(0, timeoutMs));
      const onClose = () => finish(true);
      this.onMessage = () => {
        if (this.inbox.some(test)) finish(true);
      };
      this.ws.once('close', onClose);
    });
  }

  /** Waits until a message matching `test` has arrived (any time since the socket opened); null after `timeoutMs`. */
  async waitFor(test: (m: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown> | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.history.find(test);
      if (found || this.closed || Date.now() > deadline) return found ?? null;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Waits for the close (true) or `timeoutMs` (false). */
  async waitClosed(timeoutMs: number): Promise<boolean> {
    if (this.closed) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.ws.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}

/**
 * What answers `text` once the server has waited for its store: anything for
 * a socket's first message (the introduction), the reply (or an error) for a
 * host request; null for a message answered at once or not at all.
 */
function answerTest(text: string, first: boolean): ((m: Record<string, unknown>) => boolean) | null {
  if (first) return () => true;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { type, rid } = value as { type?: unknown; rid?: unknown };
  if (typeof type !== 'string' || !REQUEST_TYPES.has(type) || typeof rid !== 'number') return null;
  return (m) => m.type === 'error' || (m.type === 'reply' && m.rid === rid);
}

/** One HTTP request as the fuzz chose it. */
export interface HttpCase {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
  /** Send the body with a Content-Length (else chunked). */
  contentLength: boolean;
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Sends one request from `localAddress`; rejects on a network error or after 10 s. */
export function sendHttp(port: number, localAddress: string, c: HttpCase): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers = { ...c.headers };
    if (c.body && c.contentLength) headers['Content-Length'] = String(c.body.length);
    const req = http.request({ host: '127.0.0.1', port, method: c.method, path: c.path, headers, localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (c.body) req.end(c.body);
    else req.end();
  });
}

/** Writes raw bytes to the HTTP port and reads what comes back until the server closes (or 1 s passes). */
export function sendRaw(port: number, localAddress: string, bytes: Buffer): Promise<{ response: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    const chunks: Buffer[] = [];
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ response: Buffer.concat(chunks), closed });
    };
    const timer = setTimeout(() => finish(false), 1000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => finish(true));
    socket.on('error', () => {});
    socket.write(bytes, () => socket.end());
  });
}

/** Runs `tasks` with at most `concurrency` in flight. */
export async function pool<T>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
