// Liveness: every socket is pinged on an interval; one that has not answered
// the previous ping by the next one is terminated (its close event cleans up).

import type { WebSocket } from 'ws';

/** Pings tracked sockets and drops the silent ones. */
export class Heartbeat {
  private readonly alive = new Map<WebSocket, boolean>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly intervalMs: number) {}

  /** Starts the interval. Idempotent. */
  start(): void {
    this.timer ??= setInterval(() => this.beat(), this.intervalMs);
  }

  /** Watches `ws` until it closes. */
  track(ws: WebSocket): void {
    this.alive.set(ws, true);
    ws.on('pong', () => this.alive.set(ws, true));
    ws.on('close', () => this.alive.delete(ws));
  }

  /** Stops the interval. Idempotent. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private beat(): void {
    for (const [ws, alive] of this.alive) {
      if (!alive) {
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      try {
        ws.ping();
      } catch {
        ws.terminate(); // Not open any more: treat like a missed pong.
      }
    }
  }
}
