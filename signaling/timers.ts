// The server's side of the store's timers (session expiry, host and guest
// grace): it takes the due ones from the store a bounded slice at a time and
// runs what each kind of timer is for. With several servers each takes its
// own; the store hands every due timer to one of them only. A timer whose work
// fails (the store was unreachable) is tried again here until it succeeds.

import type { LogFn } from './config.js';
import type { Store, StoredTimer, TimerKind } from './state/store.js';

/** How often due timers are looked for: the precision of expiries and graces. */
export const TIMER_POLL_MS = 100;
/** Timers taken per look; more due ones are taken on the next turn of the event loop. */
export const TIMER_SLICE = 200;
/** A timer whose work failed runs again after this long. */
export const TIMER_RETRY_MS = 1000;

/** What a timer of one kind does when it is due; `key` is the timer's (a session or guest id). */
export type TimerWork = Record<TimerKind, (key: string) => Promise<unknown>>;

export class StoreTimers {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | null = null;
  /** Timers whose work failed, waiting to be tried again. */
  private readonly retries = new Set<ReturnType<typeof setTimeout>>();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly work: TimerWork,
    private readonly log: LogFn,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts looking for due timers. */
  start(): void {
    if (this.closed || this.timer) return;
    this.timer = setInterval(() => this.poll(), TIMER_POLL_MS);
    this.poll();
  }

  /** Stops looking; resolves once the work of timers already taken has run. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    for (const retry of this.retries) clearTimeout(retry);
    this.retries.clear();
    await this.running;
  }

  /** Takes and runs due timers, a slice per turn of the event loop until none is due; one poll at a time. */
  private poll(): void {
    if (this.running || this.closed) return;
    this.running = (async () => {
      for (let full = true; full && !this.closed;) {
        let due: StoredTimer[] = [];
        try {
          due = await this.store.takeDueTimers(this.now(), TIMER_SLICE);
        } catch (err) {
          this.log(`timers: could not take due timers: ${(err as Error)?.message ?? String(err)}`, { level: 'warn' });
        }
        await Promise.all(due.map((timer) => this.fire(timer)));
        full = due.length === TIMER_SLICE;
        if (full) await new Promise((resolve) => setImmediate(resolve));
      }
    })().finally(() => {
      this.running = null;
    });
  }

  private async fire(timer: StoredTimer): Promise<void> {
    try {
      await this.work[timer.kind](timer.key);
    } catch (err) {
      if (this.closed) return;
      this.log(`timers: ${timer.kind} of ${timer.key} failed, again in ${TIMER_RETRY_MS} ms: ${(err as Error)?.message ?? String(err)}`, { level: 'warn' });
      const retry = setTimeout(() => {
        this.retries.delete(retry);
        void this.fire(timer);
      }, TIMER_RETRY_MS);
      this.retries.add(retry);
    }
  }
}
