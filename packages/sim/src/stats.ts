import type { Distribution } from '@meridian/lag';

/** p50, p90, p99, p99.9 and max of a sample, in ms (0 for an empty sample). */
export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** Sorts a copy ascending (numbers, not strings). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** Nearest-rank percentile of an ascending sample (q in [0, 1]). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

export function percentiles(sorted: ArrayLike<number>): Percentiles {
  return {
    p50: round3(quantile(sorted, 0.5)),
    p90: round3(quantile(sorted, 0.9)),
    p99: round3(quantile(sorted, 0.99)),
    p999: round3(quantile(sorted, 0.999)),
    max: round3(sorted.length === 0 ? 0 : (sorted[sorted.length - 1] as number)),
  };
}

/** Number of values ≤ x in an ascending sample. */
export function countAtMost(sorted: ArrayLike<number>, x: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as number) <= x) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Rounds to 3 decimals so summaries stay readable (and identical across runs of one seed). */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Equal-width histogram of a sample: `bins` buckets over [0, maxMs]. */
export function histogram(
  sorted: ArrayLike<number>,
  bins: number,
  maxMs: number,
): { fromMs: number; toMs: number; count: number }[] {
  const width = maxMs > 0 ? maxMs / bins : 1;
  const out: { fromMs: number; toMs: number; count: number }[] = [];
  let previous = countAtMost(sorted, -Infinity);
  for (let i = 0; i < bins; i++) {
    const toMs = (i + 1) * width;
    const upTo = i === bins - 1 ? sorted.length : countAtMost(sorted, toMs);
    out.push({ fromMs: round3(i * width), toMs: round3(toMs), count: upTo - previous });
    previous = upTo;
  }
  return out;
}

/** A "nice" step (1, 2 or 5 × 10^k) so that about `count` steps cover `span`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0)) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / power;
  const nice = scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10;
  return nice * power;
}

/**
 * P(lag ≤ w) on an ordered link (TCP-like) whose messages are sent as a Poisson stream of
 * `messagesPerSecond` and each draws its own delay base + X, X ~ `jitter`. Delivery is
 * max(own arrival, previous delivery), so the lag W obeys W_i = max(X_i, W_{i−1} − A_i) (plus the
 * base). Unrolled, W ≤ w iff every earlier message k (sent S_k ms before) has X_k ≤ w + S_k; for a
 * Poisson stream the probability generating functional gives
 *   P(W ≤ w) = F(w) · exp(−λ ∫₀^∞ (1 − F(w + s)) ds),
 * integrated numerically here (λ per ms). With λ → 0 it is the light-load prediction F(w).
 */
export function orderedLinkVisibility(
  jitter: Distribution,
  baseDelayMs: number,
  messagesPerSecond: number,
  tMs: number,
  heartbeatMs = 0,
): number {
  const w = tMs - baseDelayMs;
  const own = jitter.cdf(w);
  if (own === 0) return own;
  const lambdaPerMs = messagesPerSecond / 1000;
  const poisson = messagesPerSecond <= 0 ? 1 : Math.exp(-lambdaPerMs * tailIntegral(jitter, w));
  return own * poisson * (heartbeatMs > 0 ? periodicFactor(jitter, w, heartbeatMs) : 1);
}

/** Phases of the heartbeat period averaged over (the write lands anywhere between two heartbeats). */
const HEARTBEAT_PHASES = 64;

/**
 * Heartbeats are not Poisson: one every `periodMs`. A write sent u ms after the last one follows
 * heartbeats sent u, u + h, u + 2h … ms earlier; none holds it past w iff each drew X ≤ w + u + k·h.
 * Averaged over the phase u, uniform on [0, h): E_u[Π_k F(w + u + k·h)].
 */
function periodicFactor(jitter: Distribution, w: number, periodMs: number): number {
  let sum = 0;
  for (let phase = 0; phase < HEARTBEAT_PHASES; phase++) {
    const u = ((phase + 0.5) / HEARTBEAT_PHASES) * periodMs;
    let product = 1;
    for (let k = 0; k < 1_000_000; k++) {
      const f = jitter.cdf(w + u + k * periodMs);
      product *= f;
      if (1 - f < 1e-12 || product === 0) break;
    }
    sum += product;
  }
  return sum / HEARTBEAT_PHASES;
}

/** ∫₀^∞ (1 − F(w + s)) ds by the trapezoid rule on a grid that grows with s. */
function tailIntegral(jitter: Distribution, w: number): number {
  const scale = Math.max(1e-3, Number.isFinite(jitter.meanMs) ? jitter.meanMs : 1);
  let total = 0;
  let s = 0;
  let previous = 1 - jitter.cdf(w);
  let step = scale / 200;
  for (let i = 0; i < 20_000; i++) {
    const next = 1 - jitter.cdf(w + s + step);
    total += ((previous + next) / 2) * step;
    s += step;
    previous = next;
    if (next < 1e-12) break;
    if (i % 200 === 199) step *= 2;
  }
  return total;
}
