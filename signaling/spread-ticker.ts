// Periodic work over many items without one long task: every item is visited
// once per period, a slice of them per tick, so the work of one tick grows
// with (items × tick ÷ period) instead of with all the items. A server with
// tens of thousands of sockets pings them this way without stalling its event
// loop for every socket at once.

/** Settings of a ticker. */
export interface SpreadTickerOptions<T> {
  /** Each item is visited once in this long. */
  periodMs: number;
  /** Time between two slices; the period is cut into `periodMs / tickMs` slices (default 100 ms, or the period when shorter). */
  tickMs?: number;
  /** Called once per period for each item; may delete items (any of them) or add some. */
  visit: (item: T) => void;
}

/** Default time between two slices. */
export const SPREAD_TICK_MS = 100;

/** Visits the items it holds round-robin, a bounded slice per tick. */
export class SpreadTicker<T> {
  private readonly items = new Set<T>();
  /** Where the current round is; a Set iterator sees deletions and items added behind it. */
  private cursor: Iterator<T> | null = null;
  /** Visits owed: slices are fractional, and what a tick cannot visit is carried to the next. */
  private budget = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly tickMs: number;
  private readonly ticksPerPeriod: number;

  constructor(private readonly options: SpreadTickerOptions<T>) {
    this.tickMs = Math.min(options.tickMs ?? SPREAD_TICK_MS, options.periodMs);
    this.ticksPerPeriod = Math.max(1, Math.round(options.periodMs / this.tickMs));
  }

  /** Adds an item; it is first visited within one period. Adding an item again changes nothing. */
  add(item: T): void {
    this.items.add(item);
  }

  /** Removes an item; it is not visited again. */
  delete(item: T): void {
    this.items.delete(item);
  }

  /** Number of items held. */
  get size(): number {
    return this.items.size;
  }

  /** Starts ticking. Idempotent. */
  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.tickMs);
  }

  /** Stops ticking (the items stay). Idempotent. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.cursor = null;
    this.budget = 0;
  }

  /**
   * Visits the next slice: `size / ticksPerPeriod` items, the fraction carried to the next tick, so that a round over
   * all of them takes one period (a rounded-up slice would make rounds of few items much shorter than the period).
   */
  private tick(): void {
    this.budget += this.items.size / this.ticksPerPeriod;
    let visited = 0;
    let restarted = false;
    while (this.budget >= 1 - BUDGET_EPSILON) {
      this.cursor ??= this.items.values();
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = null;
        // A round that ended within this tick starts again with the next one: no item is visited twice in a tick.
        if (visited > 0 || restarted) {
          this.budget = 0;
          return;
        }
        restarted = true;
        continue;
      }
      visited += 1;
      this.budget -= 1;
      this.options.visit(next.value);
    }
  }
}

/** Slack for the sum of fractional slices (e.g. 1.1 × 10 is 10.999… in floating point). */
const BUDGET_EPSILON = 1e-9;
