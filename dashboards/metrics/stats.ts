// Exact order statistics over durations: the whole sample is kept and sorted (no sketches), so a
// median or 90th percentile is the same number whichever engine the data came from.

export interface DurationStats {
  count: number;
  /** Seconds; absent when there is no sample. */
  mean?: number;
  median?: number;
  p90?: number;
  min?: number;
  max?: number;
}

/**
 * The p-th percentile (0..1) with linear interpolation between the closest ranks (Hyndman & Fan
 * type 7, what numpy and spreadsheets compute by default): rank h = (n − 1)·p.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of an empty sample');
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (h - lo);
}

/** Count, mean, median, p90, min and max of durations in seconds. */
export function durationStats(seconds: readonly number[]): DurationStats {
  if (seconds.length === 0) return { count: 0 };
  const sorted = [...seconds].sort((a, b) => a - b);
  const sum = sorted.reduce((s, x) => s + x, 0);
  return {
    count: sorted.length,
    mean: sum / sorted.length,
    median: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    min: sorted[0],
    max: sorted[sorted.length - 1],
  };
}
