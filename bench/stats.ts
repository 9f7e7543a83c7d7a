// Small statistics over samples (ms or bytes).

/** Nearest-rank percentile (`p` in 0…100) of `values`; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Summary of latency samples, rounded to 0.1 ms. */
export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

export function summarize(values: readonly number[]): LatencySummary {
  const r = (v: number) => Math.round(v * 10) / 10;
  return { n: values.length, p50: r(percentile(values, 50)), p95: r(percentile(values, 95)), max: r(Math.max(...values)) };
}
