// This server's lease in the store: a timer it keeps pushing back while it
// runs. A server that stops without a word (killed, crashed, cut off) stops
// pushing it; once it runs out, whichever server takes it sees to the places
// the silent one's sockets held (see `Presence.serverGone`). A server that
// stops cleanly lets it run out at once: the places its sockets held are
// handed over, to the servers that run or to the next one that starts.

import type { LogFn } from './config.js';
import type { Store } from './state/store.js';

/** A lease runs out this long after its last renewal. */
export const LEASE_MS = 15_000;
/** How often a running server renews its lease. */
export const LEASE_RENEW_MS = 5_000;

export class ServerLease {
  private timer: ReturnType<typeof setInterval> | undefined;
  private closing: Promise<void> | null = null;

  constructor(private readonly store: Store, readonly serverId: string, private readonly log: LogFn) {}

  /** Takes the lease and keeps renewing it. */
  async start(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => {
      this.renew().catch((err: unknown) => this.log(`lease: not renewed: ${(err as Error)?.message ?? String(err)}`, { level: 'warn' }));
    }, LEASE_RENEW_MS);
  }

  /** Stops renewing and lets the lease run out now, handing this server's places over. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      await this.store.scheduleTimer({ kind: 'server-lease', key: this.serverId, at: Date.now() }).catch((err: unknown) => {
        this.log(`lease: not handed over (its places go when it runs out): ${(err as Error)?.message ?? String(err)}`, { level: 'warn' });
      });
    })();
    return this.closing;
  }

  private renew(): Promise<void> {
    return this.store.scheduleTimer({ kind: 'server-lease', key: this.serverId, at: Date.now() + LEASE_MS });
  }
}
