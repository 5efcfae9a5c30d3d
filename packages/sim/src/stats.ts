import type { Distribution, LinkSettings } from '@meridian/lag';

/** p50, p90, p99, p99.9 and max of a sample, in ms (0 for an empty sample). */
export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
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
  queue: ReplicaQueue = NO_QUEUE,
): number {
  const w = tMs - baseDelayMs;
  const own = jitter.cdf(w);
  if (own === 0) return own;
  const lambdaPerMs = messagesPerSecond / 1000;
  const poisson =
    messagesPerSecond <= 0
      ? 1
      : queue.headMs === 0 && queue.frameMs === 0
        ? Math.exp(-lambdaPerMs * tailIntegral(jitter, w))
        : queueTable(jitter, lambdaPerMs, queue).at(w - queue.headMs);
  return own * poisson * (heartbeatMs > 0 ? periodicFactor(jitter, w, heartbeatMs) : 1);
}

/**
 * The replica's thread on frames that arrive one behind another (sim/model/node-costs.ts): a frame
 * that finds it idle keeps it `headMs` longer than the others (its group commit, which the frames
 * queued behind it join), and each frame takes `frameMs` of it (receive, decode, apply, ack).
 */
export interface ReplicaQueue {
  headMs: number;
  frameMs: number;
}

/** No work in the nodes: the pure network model. */
export const NO_QUEUE: ReplicaQueue = { headMs: 0, frameMs: 0 };

/**
 * With the replica's thread in the path, the k-th message before this one (sent T_k ms earlier, T_k
 * a sum of k exponential gaps) holds it back unless X_k ≤ w + T_k − C − k·s: when it heads a run of
 * frames that queue, each of the k frames after it waits for the one before (s), and the first for
 * its commit too (C). So P(W ≤ w) = F(w) · H(w − C) with H(x) = E[Π_{k≥1} F(x + T_k − k·s)], which
 * obeys the renewal equation H(x) = ∫₀^∞ λe^{−λe} F(x + e − s) H(x + e − s) de. Solved on a grid by
 * iterating from H = 1 (each pass a right-to-left sweep; it converges like (λs)^n). At s = C = 0 it
 * is exp(−λ ∫ (1 − F)) again.
 */
interface QueueTable {
  at(x: number): number;
}

const QUEUE_TABLES = new WeakMap<Distribution, Map<string, QueueTable>>();
/** Points of the renewal equation's grid at most (a heavy tail gets a coarser step). */
const QUEUE_POINTS_MAX = 50_000;

function queueTable(jitter: Distribution, lambdaPerMs: number, queue: ReplicaQueue): QueueTable {
  let byKey = QUEUE_TABLES.get(jitter);
  if (byKey === undefined) QUEUE_TABLES.set(jitter, (byKey = new Map()));
  const key = `${lambdaPerMs}:${queue.headMs}:${queue.frameMs}`;
  let table = byKey.get(key);
  if (table === undefined) byKey.set(key, (table = solveQueueTable(jitter, lambdaPerMs, queue)));
  return table;
}

function solveQueueTable(jitter: Distribution, lambda: number, queue: ReplicaQueue): QueueTable {
  const { headMs, frameMs } = queue;
  // F is 0 below `low` and within 1e−12 of 1 past `high`; H is read from low − C on (below, F(w) = 0),
  // and is 1 from high + a few frames on.
  let low = 0;
  while (jitter.cdf(low) > 0 && low > -1e6) low -= Math.max(1, Math.abs(low));
  let high = Math.max(1, Number.isFinite(jitter.meanMs) ? jitter.meanMs : 1);
  while (1 - jitter.cdf(high) > 1e-12 && high < 1e7) high *= 2;
  const from = low - headMs - 2 * frameMs;
  const to = high + 20 * frameMs;
  const step = Math.max((to - from) / QUEUE_POINTS_MAX, Math.min(frameMs / 4, (to - from) / 4_000));
  const n = Math.ceil((to - from) / step) + 1;
  const f = new Float64Array(n);
  for (let i = 0; i < n; i++) f[i] = jitter.cdf(from + i * step);
  // h[i] = H(from + i·step); j[i] = J(from + i·step) = ∫_z^∞ λe^{−λ(y−z)} F(y)H(y) dy, so H(x) = J(x − s).
  const h = new Float64Array(n).fill(1);
  const j = new Float64Array(n);
  const decay = Math.exp(-lambda * step);
  const shift = frameMs / step;
  const interpolate = (values: Float64Array, position: number): number => {
    if (position <= 0) return values[0] as number;
    if (position >= n - 1) return values[n - 1] as number;
    const k = Math.floor(position);
    return (values[k] as number) + (position - k) * ((values[k + 1] as number) - (values[k] as number));
  };
  for (let pass = 0; pass < 200; pass++) {
    j[n - 1] = (f[n - 1] as number) * (h[n - 1] as number);
    for (let i = n - 2; i >= 0; i--) {
      const g0 = (f[i] as number) * (h[i] as number);
      const g1 = (f[i + 1] as number) * (h[i + 1] as number);
      j[i] = decay * (j[i + 1] as number) + (1 - decay) * 0.5 * (g0 + g1);
    }
    let change = 0;
    for (let i = 0; i < n; i++) {
      const next = interpolate(j, i - shift);
      change = Math.max(change, Math.abs(next - (h[i] as number)));
      h[i] = next;
    }
    if (change < 1e-10) break;
  }
  return { at: (x) => interpolate(h, (x - from) / step) };
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

/** Phases of the redraw period, and points of the last-message gap, the per-link prediction averages over. */
const REDRAW_PHASES = 64;
const GAP_POINTS = 256;

/**
 * P(lag ≤ w) on an ordered link whose jitter is one offset per link, redrawn every `redrawMs`
 * (`jitterMode: per-link`): messages of one period share the offset d_k ~ `jitter`, so they never
 * hold each other back, but a period whose offset was larger holds back the next ones until its
 * last message is delivered. A write sent u ms into period k is visible by w iff d_k ≤ w and, for
 * each earlier period k − m, its last message, sent E_m ms before that period ended, arrived in
 * time: d_{k−m} ≤ w + u + (m − 1)·R + E_m. The offsets are independent draws and the messages
 * (log entries at `messagesPerSecond`, heartbeats every `heartbeatMs`) are taken as a stream whose
 * gap E before a period's end survives with e^{−λe}·(1 − e/h); a period with no message holds
 * nothing back. Averaged over u, uniform on [0, R):
 *   P = F(w) · E_u[ Π_{m≥1} ( P(E ≥ R) + ∫₀^R f_E(e) F(w + u + (m − 1)R + e) de ) ].
 */
export function perLinkVisibility(
  jitter: Distribution,
  baseDelayMs: number,
  redrawMs: number,
  messagesPerSecond: number,
  tMs: number,
  heartbeatMs = 0,
): number {
  const w = tMs - baseDelayMs;
  const own = jitter.cdf(w);
  if (own === 0) return 0;
  const lambda = Math.max(0, messagesPerSecond) / 1000;
  const periodic = heartbeatMs > 0;
  if (lambda === 0 && !periodic) return own;
  const survival = (e: number): number => Math.exp(-lambda * e) * (periodic ? Math.max(0, 1 - e / heartbeatMs) : 1);
  const density = (e: number): number =>
    Math.exp(-lambda * e) *
    (lambda * (periodic ? Math.max(0, 1 - e / heartbeatMs) : 1) + (periodic && e < heartbeatMs ? 1 / heartbeatMs : 0));
  // The gap's support: the period, cut where it can no longer be (a heartbeat) or hardly is (e^{-40}).
  const span = Math.min(redrawMs, periodic ? heartbeatMs : Infinity, lambda > 0 ? 40 / lambda : Infinity);
  const step = span / GAP_POINTS;
  const gaps: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < GAP_POINTS; i++) {
    const e = (i + 0.5) * step;
    gaps.push(e);
    weights.push(density(e) * step);
  }
  const noMessage = survival(redrawMs);
  let sum = 0;
  for (let phase = 0; phase < REDRAW_PHASES; phase++) {
    const u = ((phase + 0.5) / REDRAW_PHASES) * redrawMs;
    let product = 1;
    for (let m = 1; m < 1_000_000; m++) {
      const y = w + u + (m - 1) * redrawMs;
      if (1 - jitter.cdf(y) < 1e-12) break;
      let held = noMessage;
      for (let i = 0; i < GAP_POINTS; i++) held += (weights[i] as number) * jitter.cdf(y + (gaps[i] as number));
      product *= Math.min(1, held);
      if (product === 0) break;
    }
    sum += product;
  }
  return (own * sum) / REDRAW_PHASES;
}

/**
 * The t-visibility the run's link predicts, loaded with `messagesPerSecond` log entries and a
 * heartbeat every `heartbeatMs`: the ordered-link formula for per-message jitter, the per-link one
 * for a shared offset.
 */
export function loadedLinkVisibility(
  settings: Readonly<LinkSettings>,
  messagesPerSecond: number,
  tMs: number,
  heartbeatMs: number,
  queue: ReplicaQueue = NO_QUEUE,
): number {
  if (settings.partitioned) return 0;
  const { jitter, baseDelayMs } = settings;
  return settings.jitterMode === 'per-message'
    ? orderedLinkVisibility(jitter, baseDelayMs, messagesPerSecond, tMs, heartbeatMs, queue)
    : perLinkVisibility(jitter, baseDelayMs, settings.jitterRedrawMs, messagesPerSecond, tMs, heartbeatMs);
}
