/**
 * The dashboard's derived figures, pure so they are unit-tested: when a disk fills at its current rate, throughput
 * in time buckets, and how long movies take from exposure to each milestone.
 */

export interface SpaceSample {
  /** ms since the epoch */
  at: number;
  freeBytes: number;
}

export interface FillForecast {
  /** Net consumption (positive: filling), from a least-squares fit of free space over time. */
  bytesPerHour: number;
  /** Absent while the disk is not filling. */
  hoursLeft?: number;
  fullAt?: string;
}

/** Keeps the samples of the last `windowMs` (the fit follows the recent rate, not the session's average). */
export function addSample(samples: SpaceSample[], sample: SpaceSample, windowMs: number): SpaceSample[] {
  return [...samples.filter((s) => s.at > sample.at - windowMs), sample];
}

/** Undefined until the samples span `minSpanMs`: a forecast from seconds of history would swing wildly. */
export function forecastFull(samples: SpaceSample[], minSpanMs: number): FillForecast | undefined {
  if (samples.length < 3 || samples.at(-1)!.at - samples[0]!.at < minSpanMs) return undefined;
  const meanT = samples.reduce((sum, s) => sum + s.at, 0) / samples.length;
  const meanF = samples.reduce((sum, s) => sum + s.freeBytes, 0) / samples.length;
  let covariance = 0;
  let variance = 0;
  for (const s of samples) {
    covariance += (s.at - meanT) * (s.freeBytes - meanF);
    variance += (s.at - meanT) ** 2;
  }
  const bytesPerHour = (-covariance / variance) * 3_600_000;
  const last = samples.at(-1)!;
  if (bytesPerHour <= 0) return { bytesPerHour };
  const hoursLeft = last.freeBytes / bytesPerHour;
  return { bytesPerHour, hoursLeft, fullAt: new Date(last.at + hoursLeft * 3_600_000).toISOString() };
}

export interface Arrival {
  at: number;
  bytes: number;
}

export interface Throughput {
  buckets: { start: string; movies: number; bytes: number }[];
  /** Over the last hour (or the whole window if shorter). */
  moviesPerHour: number;
  bytesPerHour: number;
}

export function throughput(arrivals: Arrival[], now: number, windowMs: number, bucketMs: number): Throughput {
  const count = Math.ceil(windowMs / bucketMs);
  const firstStart = now - count * bucketMs;
  const buckets = Array.from({ length: count }, (_, i) => ({ start: new Date(firstStart + i * bucketMs).toISOString(), movies: 0, bytes: 0 }));
  const rateSpan = Math.min(3_600_000, windowMs);
  let recentMovies = 0;
  let recentBytes = 0;
  for (const arrival of arrivals) {
    const index = Math.floor((arrival.at - firstStart) / bucketMs);
    if (index < 0 || index >= count) continue;
    buckets[index]!.movies++;
    buckets[index]!.bytes += arrival.bytes;
    if (arrival.at > now - rateSpan) {
      recentMovies++;
      recentBytes += arrival.bytes;
    }
  }
  const perHour = 3_600_000 / rateSpan;
  return { buckets, moviesPerHour: recentMovies * perHour, bytesPerHour: recentBytes * perHour };
}

/** When a movie reached each milestone (ms since the epoch); exposure is the camera file's last write. */
export interface MovieTimeline {
  exposure?: number;
  copied?: number;
  aligned?: number;
  ctf?: number;
  archived?: number;
}

export const MILESTONES = ['copied', 'aligned', 'ctf', 'archived'] as const;
export type Milestone = (typeof MILESTONES)[number];

/** Upper edges (seconds) of the histogram bins; the last bin takes everything longer. */
export const LATENCY_BINS_S = [10, 30, 60, 120, 300, 900, 3600, Infinity] as const;

export interface LatencySummary {
  count: number;
  p50?: number;
  p90?: number;
  max?: number;
  /** Movies per LATENCY_BINS_S bin. */
  histogram: number[];
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** Seconds from exposure to each milestone. Archive does not wait for pre-processing, so each is measured from exposure. */
export function latencyDistribution(timelines: MovieTimeline[]): Record<Milestone, LatencySummary> {
  const result = {} as Record<Milestone, LatencySummary>;
  for (const milestone of MILESTONES) {
    const seconds = timelines
      .filter((t) => t.exposure !== undefined && t[milestone] !== undefined)
      .map((t) => Math.max(0, (t[milestone]! - t.exposure!) / 1000))
      .sort((a, b) => a - b);
    const histogram = LATENCY_BINS_S.map(() => 0);
    for (const s of seconds) histogram[LATENCY_BINS_S.findIndex((edge) => s <= edge)]!++;
    result[milestone] = { count: seconds.length, p50: quantile(seconds, 0.5), p90: quantile(seconds, 0.9), max: seconds.at(-1), histogram };
  }
  return result;
}
