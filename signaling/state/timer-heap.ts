// Timers of one process, earliest first: setting and cancelling by kind and
// key cost O(log n) (amortized), and taking the due ones looks at nothing
// that is not due.

import type { StoredTimer, TimerKind } from './store.js';

interface Entry {
  timer: StoredTimer;
  /** False once replaced or cancelled: skipped when it reaches the top. */
  live: boolean;
}

export class TimerHeap {
  private readonly heap: Entry[] = [];
  private readonly byKey = new Map<string, Entry>();

  get size(): number {
    return this.byKey.size;
  }

  set(timer: StoredTimer): void {
    this.cancel(timer.kind, timer.key);
    const entry: Entry = { timer: { ...timer }, live: true };
    this.byKey.set(keyOf(timer.kind, timer.key), entry);
    this.heap.push(entry);
    this.up(this.heap.length - 1);
  }

  cancel(kind: TimerKind, key: string): void {
    const k = keyOf(kind, key);
    const entry = this.byKey.get(k);
    if (!entry) return;
    entry.live = false;
    this.byKey.delete(k);
    // Cancelled entries wait in the heap until they reach the top; when they are most of it, it is rebuilt.
    if (this.heap.length > 2 * this.byKey.size + 64) this.rebuild();
  }

  /** When the timer of that kind and key is due, or null when there is none. */
  at(kind: TimerKind, key: string): number | null {
    return this.byKey.get(keyOf(kind, key))?.timer.at ?? null;
  }

  /** Removes and returns up to `limit` timers due at `now`, earliest first. */
  takeDue(now: number, limit: number): StoredTimer[] {
    const due: StoredTimer[] = [];
    while (due.length < limit && this.heap.length > 0) {
      const top = this.heap[0] as Entry;
      if (top.live && top.timer.at > now) break;
      this.pop();
      if (!top.live) continue;
      this.byKey.delete(keyOf(top.timer.kind, top.timer.key));
      due.push(top.timer);
    }
    return due;
  }

  private rebuild(): void {
    const live = this.heap.filter((e) => e.live);
    this.heap.length = 0;
    for (const entry of live) {
      this.heap.push(entry);
      this.up(this.heap.length - 1);
    }
  }

  private pop(): void {
    const last = this.heap.pop() as Entry;
    if (this.heap.length === 0) return;
    this.heap[0] = last;
    this.down(0);
  }

  private up(i: number): void {
    const { heap } = this;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(heap[i] as Entry, heap[parent] as Entry)) return;
      [heap[i], heap[parent]] = [heap[parent] as Entry, heap[i] as Entry];
      i = parent;
    }
  }

  private down(i: number): void {
    const { heap } = this;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && earlier(heap[left] as Entry, heap[least] as Entry)) least = left;
      if (right < heap.length && earlier(heap[right] as Entry, heap[least] as Entry)) least = right;
      if (least === i) return;
      [heap[i], heap[least]] = [heap[least] as Entry, heap[i] as Entry];
      i = least;
    }
  }
}

function earlier(a: Entry, b: Entry): boolean {
  return a.timer.at < b.timer.at;
}

function keyOf(kind: TimerKind, key: string): string {
  return `${kind}\n${key}`;
}
