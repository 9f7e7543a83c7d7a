// Liveness: every socket is pinged once per interval; one that has not
// answered its previous ping by the next one is terminated (its close event
// cleans up). The pings are spread over the interval, a slice per tick, so no
// task pings every socket at once.

import type { WebSocket } from 'ws';
import { SpreadTicker } from '../spread-ticker.js';

/**
 * A socket has at least this share of the interval to answer a ping. Rounds of the ticker can come sooner than one
 * interval when many sockets close at once; a socket pinged that recently is left for the next round.
 */
export const MIN_PONG_WAIT_SHARE = 0.5;

/** Pings tracked sockets and drops the silent ones. */
export class Heartbeat {
  /** When each socket that has not answered yet was pinged (epoch ms). */
  private readonly pingedAt = new Map<WebSocket, number>();
  private readonly ticker: SpreadTicker<WebSocket>;
  private readonly minPongWaitMs: number;
  // Shared by every socket (`this` is the socket that emitted), rather than two closures per socket.
  private readonly onPong: (this: WebSocket) => void;
  private readonly onClose: (this: WebSocket) => void;

  constructor(intervalMs: number) {
    this.minPongWaitMs = intervalMs * MIN_PONG_WAIT_SHARE;
    this.ticker = new SpreadTicker({ periodMs: intervalMs, visit: (ws) => this.beat(ws) });
    const { pingedAt, ticker } = this;
    this.onPong = function onPong() {
      pingedAt.delete(this);
    };
    this.onClose = function onClose() {
      ticker.delete(this);
      pingedAt.delete(this);
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
    const pinged = this.pingedAt.get(ws);
    const now = Date.now();
    if (pinged !== undefined) {
      if (now - pinged >= this.minPongWaitMs) ws.terminate();
      return;
    }
    this.pingedAt.set(ws, now);
    try {
      ws.ping();
    } catch {
      ws.terminate(); // Not open any more: treat like a missed pong.
    }
  }
}
