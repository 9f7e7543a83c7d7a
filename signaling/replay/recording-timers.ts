// When a recording ends by itself: one timer per recording replay on this
// server, either "idle" (no upload for a while: the host is gone; pushed back
// by every upload this server takes, and checked against the last upload any
// server took when it fires) or "closing" (the session expired: a short wait
// for the last uploads, not pushed back).

/** Per-replay end-of-recording timers. */
export class RecordingTimers {
  private readonly timers = new Map<string, { timer: ReturnType<typeof setTimeout>; idle: boolean }>();
  private closed = false;

  /** Calls `fn` after `delayMs` unless an upload comes first (see `touch`); replaces the replay's timer. */
  idle(id: string, delayMs: number, fn: () => void): void {
    this.set(id, delayMs, fn, true);
  }

  /** Calls `fn` after `delayMs`, whatever arrives meanwhile; replaces the replay's timer. */
  closing(id: string, delayMs: number, fn: () => void): void {
    this.set(id, delayMs, fn, false);
  }

  /** An upload arrived: an idle timer starts over; with no timer yet (the first upload this server takes), an idle one is set. */
  touch(id: string, delayMs: number, fn: () => void): void {
    const entry = this.timers.get(id);
    if (!entry) this.idle(id, delayMs, fn);
    else if (entry.idle) entry.timer.refresh();
  }

  /** Drops the replay's timer. */
  clear(id: string): void {
    clearTimeout(this.timers.get(id)?.timer);
    this.timers.delete(id);
  }

  /** Drops every timer; no more are set. Idempotent. */
  close(): void {
    this.closed = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private set(id: string, delayMs: number, fn: () => void, idle: boolean): void {
    if (this.closed) return;
    this.clear(id);
    const timer = setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, delayMs);
    this.timers.set(id, { timer, idle });
  }
}
