// Re-offers dropped peer links: for each guest whose link dropped while it is
// still in the session, retries with back-off and gives up after a while.
// Timers only: what a retry or giving up does is injected.

/** A guest whose peer link stays down this long is given up on. */
export const PEER_RECOVERY_MS = 30_000;
/** First wait before offering a dropped guest a new peer link (doubles each try, at most 8 s). */
export const PEER_RETRY_BASE_MS = 500;
const PEER_RETRY_MAX_MS = 8_000;

interface Recovery {
  attempt: number;
  retryTimer: ReturnType<typeof setTimeout>;
  giveUpTimer: ReturnType<typeof setTimeout>;
}

export interface LinkRecoveryOptions {
  /** Offer `guestId` a new link now. */
  retry: (guestId: string) => void;
  /** Stop trying: drop the guest. */
  giveUp: (guestId: string) => void;
  /** A guest's link is down (true) or fine again (false). */
  onDown: (guestId: string, down: boolean) => void;
}

export class LinkRecovery {
  private readonly recoveries = new Map<string, Recovery>();

  constructor(private readonly options: LinkRecoveryOptions) {}

  /** The link of `guestId` dropped (again): schedule the next offer. */
  dropped(guestId: string): void {
    const previous = this.recoveries.get(guestId);
    const retry = () => this.options.retry(guestId);
    if (previous) {
      clearTimeout(previous.retryTimer);
      previous.attempt++;
      previous.retryTimer = setTimeout(retry, Math.min(PEER_RETRY_BASE_MS * 2 ** previous.attempt, PEER_RETRY_MAX_MS));
      return;
    }
    this.recoveries.set(guestId, {
      attempt: 0,
      retryTimer: setTimeout(retry, PEER_RETRY_BASE_MS),
      giveUpTimer: setTimeout(() => this.options.giveUp(guestId), PEER_RECOVERY_MS),
    });
    this.options.onDown(guestId, true);
  }

  /** The link of `guestId` is back, or the guest is gone. */
  stop(guestId: string): void {
    const r = this.recoveries.get(guestId);
    if (!r) return;
    clearTimeout(r.retryTimer);
    clearTimeout(r.giveUpTimer);
    this.recoveries.delete(guestId);
    this.options.onDown(guestId, false);
  }

  /** Cancels every timer. Idempotent. */
  destroy(): void {
    for (const id of [...this.recoveries.keys()]) this.stop(id);
  }
}
