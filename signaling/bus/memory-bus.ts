// The bus of one process: deliveries go straight to this process's listeners,
// in order, after the publisher's call returns (as they would from Redis).

import type { Bus, BusCounters, Delivery, DeliveryHandler, Listening } from './bus.js';

export class MemoryBus implements Bus {
  /** `onError` hears a listener that threw (the others still get the delivery). */
  constructor(private readonly onError: (err: unknown) => void = () => {}) {}

  readonly counters: BusCounters = { published: 0, received: 0, dropped: 0 };
  private readonly listeners = new Map<string, Set<DeliveryHandler>>();
  private readonly pending: Array<{ sessionId: string; delivery: Delivery }> = [];
  private draining = false;
  private closed = false;

  publish(sessionId: string, delivery: Delivery): void {
    if (this.closed) return;
    this.counters.published++;
    this.pending.push({ sessionId, delivery });
    if (!this.draining) {
      this.draining = true;
      queueMicrotask(() => this.drain());
    }
  }

  listen(sessionId: string, handler: DeliveryHandler): Listening {
    let set = this.listeners.get(sessionId);
    if (!set) this.listeners.set(sessionId, (set = new Set()));
    const own = set;
    own.add(handler);
    return {
      ready: Promise.resolve(),
      stop: () => {
        own.delete(handler);
        if (own.size === 0 && this.listeners.get(sessionId) === own) this.listeners.delete(sessionId);
      },
    };
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('the bus is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pending.length = 0;
    this.listeners.clear();
  }

  private drain(): void {
    // One after the other, in publishing order; a delivery published by a handler goes to the end.
    for (let next = this.pending.shift(); next; next = this.pending.shift()) {
      for (const handler of [...(this.listeners.get(next.sessionId) ?? [])]) {
        this.counters.received++;
        try {
          handler(next.delivery);
        } catch (err) {
          this.onError(err);
        }
      }
    }
    this.draining = false;
  }
}
