// A seeded pseudo-random source for the fuzz suites: every run prints its seed,
// and `FUZZ_SEED=<n> npx vitest run test/fuzz` replays a failing run exactly.

/** The seed `npm test` uses, so that its verdict does not depend on luck. */
const DEFAULT_SEED = 20261123;

/** The seed of this run: `FUZZ_SEED` when set, a fresh one under `FUZZ_SEED=random`, else the default. */
export function fuzzSeed(): number {
  const fromEnv = process.env.FUZZ_SEED;
  if (fromEnv !== undefined && /^\d+$/.test(fromEnv)) return Number(fromEnv) >>> 0;
  if (fromEnv === 'random') return (Math.random() * 2 ** 32) >>> 0;
  return DEFAULT_SEED;
}

/** mulberry32: small, fast, and good enough to pick test cases. */
export class Random {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  /** Picks by weight: `[[weight, value], …]`. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((sum, [w]) => sum + w, 0);
    let at = this.next() * total;
    for (const [w, value] of choices) {
      at -= w;
      if (at < 0) return value;
    }
    return choices[choices.length - 1]![1];
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.int(0, 255);
    return out;
  }

  /** A length biased towards small values, sometimes up to `max`. */
  length(max: number): number {
    return this.weighted([[6, this.int(0, Math.min(8, max))], [3, this.int(0, Math.min(64, max))], [1, this.int(0, max)]]);
  }

  /** A generator for one test, from the run's seed and the test's name: a test replays the same with or without the others. */
  static for(seed: number, name: string): Random {
    let h = seed >>> 0;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x9e3779b1) >>> 0;
    return new Random(h);
  }
}
