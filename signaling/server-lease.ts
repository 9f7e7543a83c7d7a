// This server's lease in the store: a timer it keeps pushing back while it
// runs. A server that stops without a word (killed, crashed, cut off) stops
// pushing it; once it runs out, whichever server takes it sees to the places
// the silent one's sockets held (see `Presence.serverGone`).

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

  /** Stops renewing and gives the lease up (a server that says goodbye leaves no place behind). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      await this.store.cancelTimer('server-lease', this.serverId).catch(() => {});
    })();
    return this.closing;
  }

  private renew(): Promise<void> {
    return this.store.scheduleTimer({ kind: 'server-lease', key: this.serverId, at: Date.now() + LEASE_MS });
  }
}
