// A socket to the server's relay endpoint: says hello with the caller's
// credentials, then passes binary frames and the server's control messages to
// its owner. Browsers' WebSocket has no drain event, so while frames wait in
// its buffer the socket polls and reports when they have left.

import { Emitter } from '../common/emitter.js';
import { parseRelayControl, type RelayControl, type RelayHello } from '../protocol/index.js';
import { BUFFER_LOW_BYTES } from '../transport/transport.js';

/** How often a socket with frames waiting checks whether they left. */
const DRAIN_POLL_MS = 20;

export type RelaySocketEvents = {
  /** The server accepted the hello: frames may flow. */
  ready: () => void;
  frame: (frame: Uint8Array) => void;
  control: (message: RelayControl) => void;
  /** The buffer went below `BUFFER_LOW_BYTES` after being above it. */
  drain: () => void;
  /** Closed (by either side, or never opened). Emitted once. */
  close: (reason: string) => void;
};

export class RelaySocket extends Emitter<RelaySocketEvents> {
  private readonly ws: WebSocket;
  private drainTimer: ReturnType<typeof setInterval> | undefined;
  private ready = false;
  private closed = false;

  constructor(url: string, hello: RelayHello, WebSocketImpl: typeof WebSocket = globalThis.WebSocket) {
    super();
    this.ws = new WebSocketImpl(url);
    this.ws.binaryType = 'arraybuffer';
    this.ws.onopen = () => this.ws.send(JSON.stringify(hello));
    this.ws.onmessage = (e: MessageEvent) => this.handleMessage(e.data);
    this.ws.onclose = (e: CloseEvent) => this.finish(e.reason || `relay socket closed (${e.code})`);
    this.ws.onerror = () => { /* `close` follows */ };
  }

  get isReady(): boolean {
    return this.ready && !this.closed;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /** Sends one frame; false when the socket is not ready. */
  send(frame: Uint8Array): boolean {
    if (!this.isReady || this.ws.readyState !== 1) return false;
    this.ws.send(frame as Uint8Array<ArrayBuffer>);
    if (this.drainTimer === undefined && this.ws.bufferedAmount >= BUFFER_LOW_BYTES) {
      this.drainTimer = setInterval(() => {
        if (this.ws.bufferedAmount >= BUFFER_LOW_BYTES) return;
        clearInterval(this.drainTimer);
        this.drainTimer = undefined;
        this.emit('drain');
      }, DRAIN_POLL_MS);
    }
    return true;
  }

  /** Closes the socket. Idempotent; `close` is emitted once. */
  close(): void {
    if (this.closed) return;
    try { this.ws.close(1000); } catch { /* already closing */ }
    this.finish('closed');
  }

  private handleMessage(data: unknown): void {
    if (this.closed) return;
    if (typeof data === 'string') {
      const message = parseRelayControl(data);
      if (!message) return;
      if (message.type === 'relay-ready') {
        this.ready = true;
        this.emit('ready');
      } else {
        this.emit('control', message);
      }
    } else if (data instanceof ArrayBuffer && this.ready) {
      this.emit('frame', new Uint8Array(data));
    }
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.drainTimer);
    this.ws.onopen = this.ws.onmessage = this.ws.onclose = this.ws.onerror = null;
    this.emit('close', reason);
    this.removeAllListeners();
  }
}
