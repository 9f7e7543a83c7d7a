import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SpreadTicker } from '../../../signaling/spread-ticker.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A ticker over 0..count-1 that notes every visit with its time. */
function tickerOver(count: number, periodMs: number, tickMs?: number) {
  const visits: Array<{ item: number; at: number }> = [];
  const ticker = new SpreadTicker<number>({ periodMs, tickMs, visit: (item) => visits.push({ item, at: Date.now() }) });
  for (let i = 0; i < count; i++) ticker.add(i);
  return { ticker, visits };
}

/** Visits per tick, over `ticks` ticks of `tickMs`. */
function perTick(visits: Array<{ at: number }>, start: number, tickMs: number, ticks: number): number[] {
  return Array.from({ length: ticks }, (_, i) => visits.filter((v) => v.at === start + (i + 1) * tickMs).length);
}

describe('SpreadTicker', () => {
  it('visits every item once per period, a bounded slice per tick', () => {
    const { ticker, visits } = tickerOver(10_000, 15_000, 100);
    const start = Date.now();
    ticker.start();
    vi.advanceTimersByTime(15_000);
    const counts = new Map<number, number>();
    for (const v of visits) counts.set(v.item, (counts.get(v.item) ?? 0) + 1);
    expect(counts.size).toBe(10_000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const slices = perTick(visits, start, 100, 150);
    expect(Math.max(...slices)).toBe(Math.ceil(10_000 / 150)); // 67, never all 10,000 at once.
    expect(Math.min(...slices)).toBe(Math.floor(10_000 / 150));
    ticker.stop();
  });

  it('keeps each item one period apart from its previous visit, round after round', () => {
    const { ticker, visits } = tickerOver(95, 1000, 100);
    ticker.start();
    vi.advanceTimersByTime(5000);
    for (let item = 0; item < 95; item++) {
      const times = visits.filter((v) => v.item === item).map((v) => v.at);
      expect(times).toHaveLength(5);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(1000);
    }
    ticker.stop();
  });

  it('keeps rounds of a few items one period long (slices are fractional, not rounded up)', () => {
    const { ticker, visits } = tickerOver(11, 15_000, 100);
    ticker.start();
    vi.advanceTimersByTime(60_000);
    const times = visits.filter((v) => v.item === 10).map((v) => v.at);
    expect(times).toHaveLength(4);
    for (let i = 1; i < times.length; i++) expect(Math.abs(times[i]! - times[i - 1]! - 15_000)).toBeLessThanOrEqual(100);
    ticker.stop();
  });

  it('does not visit an item after it was deleted, even by a visit of another', () => {
    const visited: number[] = [];
    const ticker = new SpreadTicker<number>({
      periodMs: 1000, tickMs: 100,
      visit: (item) => {
        visited.push(item);
        if (item === 0) ticker.delete(1); // Next in line, in the same slice.
      },
    });
    for (let i = 0; i < 20; i++) ticker.add(i);
    ticker.delete(5);
    ticker.start();
    vi.advanceTimersByTime(2000);
    expect(visited).not.toContain(1);
    expect(visited).not.toContain(5);
    expect(visited.filter((i) => i === 0)).toHaveLength(2);
    expect(ticker.size).toBe(18);
    ticker.stop();
  });

  it('visits an item added in the middle of a round within one period', () => {
    const { ticker, visits } = tickerOver(100, 1000, 100);
    ticker.start();
    vi.advanceTimersByTime(450);
    const addedAt = Date.now();
    ticker.add(1000);
    vi.advanceTimersByTime(1000);
    const first = visits.find((v) => v.item === 1000);
    expect(first).toBeDefined();
    expect(first!.at - addedAt).toBeLessThanOrEqual(1000);
    ticker.stop();
  });

  it('visits everything each tick when the period is shorter than a tick, never twice in one tick', () => {
    const { ticker, visits } = tickerOver(7, 50);
    ticker.start();
    vi.advanceTimersByTime(200);
    expect(visits).toHaveLength(28);
    for (const at of [50, 100, 150, 200]) {
      const items = visits.filter((v) => v.at === visits[0]!.at - 50 + at).map((v) => v.item);
      expect(items.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    }
    ticker.stop();
  });

  it('stops visiting when stopped; start and stop can be repeated', () => {
    const { ticker, visits } = tickerOver(10, 1000, 100);
    ticker.start();
    ticker.start();
    vi.advanceTimersByTime(1000);
    expect(visits).toHaveLength(10);
    ticker.stop();
    ticker.stop();
    vi.advanceTimersByTime(5000);
    expect(visits).toHaveLength(10);
    expect(vi.getTimerCount()).toBe(0);
  });
});
