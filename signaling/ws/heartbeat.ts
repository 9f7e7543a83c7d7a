// Liveness: every socket is pinged once per interval; one that has not
// answered its previous ping by the next one is terminated (its close event
// cleans up). The pings are spread over the interval, a slice per tick, so no
// task pings every socket at once.

import type { WebSocket } from 'ws';
import { SpreadTicker } from '../spread-ticker.js';

/** Pings tracked sockets and drops the silent ones. */
export class Heartbeat {
  /** Sockets pinged that have not answered yet. */
  private readonly awaiting = new WeakSet<WebSocket>();
  private readonly ticker: SpreadTicker<WebSocket>;
  // Shared by every socket (`this` is the socket that emitted), rather than two closures per socket.
  private readonly onPong: (this: WebSocket) => void;
  private readonly onClose: (this: WebSocket) => void;

  constructor(intervalMs: number) {
    this.ticker = new SpreadTicker({ periodMs: intervalMs, visit: (ws) => this.beat(ws) });
    const { awaiting, ticker } = this;
    this.onPong = function onPong() {
      awaiting.delete(this);
    };
    this.onClose = function onClose() {
      ticker.delete(this);
    };
  }

  /** Starts pinging. Idempotent. */
  start(): void {
    this.ticker.start();
  }

  /** Watches `ws` until it closes. */
  track(ws: WebSocket): void {
    this.ticker.add(ws);
    ws.on('pong', this.onPong);
    ws.on('close', this.onClose);
  }

  /** Number of sockets watched. */
  get size(): number {
    return this.ticker.size;
  }

  /** Stops pinging. Idempotent. */
  stop(): void {
    this.ticker.stop();
  }

  private beat(ws: WebSocket): void {
    if (this.awaiting.has(ws)) {
      ws.terminate();
      return;
    }
    this.awaiting.add(ws);
    try {
      ws.ping();
    } catch {
      ws.terminate(); // Not open any more: treat like a missed pong.
    }
  }
}
