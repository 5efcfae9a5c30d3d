import type { SeededRandom } from './random.js';

/** A named distribution of a delay in ms (non-negative). */
export interface Distribution {
  readonly kind: DistributionKind;
  /** Draws one value. */
  sample(random: SeededRandom): number;
  /** P(X ≤ x). */
  cdf(x: number): number;
  readonly meanMs: number;
}

export type DistributionKind = 'fixed' | 'uniform' | 'normal' | 'exponential' | 'pareto' | 'empirical';

/** The largest delay in ms any lag setting may name (regions.yaml, /_meridian/lag, `meridian lag`): one hour. */
export const LAG_MS_MAX = 3_600_000;
/** The smallest and largest Pareto shape accepted. */
export const PARETO_SHAPE_MIN = 0.01;
export const PARETO_SHAPE_MAX = 1000;
/**
 * Pareto (heavy-tailed) draws are capped: one draw of hours would hold every later message on an
 * ordered link. Default cap one minute; `maxMs` sets it, up to LAG_MS_MAX.
 */
export const PARETO_MS_MAX_DEFAULT = 60_000;

/** A bad latency setting; `field` names the offending field (e.g. `jitter.meanMs`). */
export class LagConfigError extends Error {
  readonly code = 'MERIDIAN_LAG_CONFIG_INVALID';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

export function fixed(valueMs: number): Distribution {
  return { kind: 'fixed', meanMs: valueMs, sample: () => valueMs, cdf: (x) => (x >= valueMs ? 1 : 0) };
}

export function uniform(minMs: number, maxMs: number): Distribution {
  if (maxMs === minMs) return { ...fixed(minMs), kind: 'uniform' };
  return {
    kind: 'uniform',
    meanMs: (minMs + maxMs) / 2,
    sample: (random) => minMs + random.next() * (maxMs - minMs),
    cdf: (x) => Math.min(1, Math.max(0, (x - minMs) / (maxMs - minMs))),
  };
}

/** Normal, clamped at 0 (a negative draw becomes 0, so P(X = 0) = Φ(−mean/stddev)). */
export function normal(meanMs: number, stddevMs: number): Distribution {
  if (stddevMs === 0) return { ...fixed(Math.max(0, meanMs)), kind: 'normal' };
  return {
    kind: 'normal',
    meanMs: Math.max(0, meanMs),
    sample: (random) => {
      const u = random.nextOpen();
      const v = random.next();
      return Math.max(0, meanMs + stddevMs * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
    },
    cdf: (x) => (x < 0 ? 0 : standardNormalCdf((x - meanMs) / stddevMs)),
  };
}

export function exponential(meanMs: number): Distribution {
  if (meanMs === 0) return { ...fixed(0), kind: 'exponential' };
  return {
    kind: 'exponential',
    meanMs,
    sample: (random) => -meanMs * Math.log(random.nextOpen()),
    cdf: (x) => (x <= 0 ? 0 : 1 - Math.exp(-x / meanMs)),
  };
}

/**
 * Pareto type I: X ≥ scaleMs, P(X > x) = (scaleMs / x)^shape. Heavy-tailed delays, capped at
 * `maxMs` (a draw above it is maxMs; the CDF reaches 1 there and the mean is the capped mean).
 */
export function pareto(scaleMs: number, shape: number, maxMs: number = PARETO_MS_MAX_DEFAULT): Distribution {
  const cap = Math.max(maxMs, scaleMs);
  // E[min(X, cap)] = scale + ∫ from scale to cap of (scale / x)^shape dx
  const tail =
    shape === 1
      ? scaleMs * Math.log(cap / scaleMs)
      : (Math.pow(scaleMs, shape) * (Math.pow(cap, 1 - shape) - Math.pow(scaleMs, 1 - shape))) / (1 - shape);
  return {
    kind: 'pareto',
    meanMs: scaleMs + tail,
    sample: (random) => Math.min(cap, scaleMs / Math.pow(random.nextOpen(), 1 / shape)),
    cdf: (x) => (x < scaleMs ? 0 : x >= cap ? 1 : 1 - Math.pow(scaleMs / x, shape)),
  };
}

/** Draws uniformly from measured samples (e.g. a recorded ping trace). */
export function empirical(samplesMs: readonly number[]): Distribution {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    kind: 'empirical',
    meanMs: sorted.reduce((sum, x) => sum + x, 0) / sorted.length,
    sample: (random) => sorted[Math.floor(random.next() * sorted.length)] as number,
    cdf: (x) => upperBound(sorted, x) / sorted.length,
  };
}

function upperBound(sorted: readonly number[], x: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as number) <= x) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Φ(z), Abramowitz–Stegun 7.1.26 through erf (absolute error < 1.5e-7). */
export function standardNormalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

const PARAMETERS: Record<DistributionKind, readonly string[]> = {
  fixed: ['valueMs'],
  uniform: ['minMs', 'maxMs'],
  normal: ['meanMs', 'stddevMs'],
  exponential: ['meanMs'],
  pareto: ['scaleMs', 'shape', 'maxMs'],
  empirical: ['samplesMs'],
};

/**
 * Builds a distribution from a plain config object such as `{ distribution: 'exponential', meanMs: 4 }`
 * (the regions.yaml form). Throws LagConfigError naming the bad field, prefixed by `field`.
 */
export function parseDistribution(config: unknown, field = 'jitter'): Distribution {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new LagConfigError(field, `must be an object like { distribution: exponential, meanMs: 4 }`);
  }
  const object = config as Record<string, unknown>;
  const kind = object['distribution'];
  if (typeof kind !== 'string' || !Object.hasOwn(PARAMETERS, kind)) {
    const known = Object.keys(PARAMETERS).join(', ');
    throw new LagConfigError(`${field}.distribution`, `must be one of ${known}, got ${JSON.stringify(kind)}`);
  }
  const parameters = PARAMETERS[kind as DistributionKind];
  for (const key of Object.keys(object)) {
    if (key !== 'distribution' && !parameters.includes(key)) {
      throw new LagConfigError(`${field}.${key}`, `unknown parameter for ${kind} (expected ${parameters.join(', ')})`);
    }
  }
  const number = (key: string, min: number): number => bounded(object[key], `${field}.${key}`, min, LAG_MS_MAX);
  switch (kind as DistributionKind) {
    case 'fixed':
      return fixed(number('valueMs', 0));
    case 'uniform': {
      const minMs = number('minMs', 0);
      const maxMs = number('maxMs', 0);
      if (maxMs < minMs) throw new LagConfigError(`${field}.maxMs`, `must be ≥ minMs (${minMs}), got ${maxMs}`);
      return uniform(minMs, maxMs);
    }
    case 'normal':
      return normal(number('meanMs', 0), number('stddevMs', 0));
    case 'exponential':
      return exponential(number('meanMs', 0));
    case 'pareto': {
      const scaleMs = positive(object['scaleMs'], `${field}.scaleMs`);
      const shape = bounded(object['shape'], `${field}.shape`, PARETO_SHAPE_MIN, PARETO_SHAPE_MAX);
      const maxMs = object['maxMs'] === undefined ? Math.max(PARETO_MS_MAX_DEFAULT, scaleMs) : number('maxMs', scaleMs);
      return pareto(scaleMs, shape, maxMs);
    }
    case 'empirical':
      return empirical(samples(object['samplesMs'], `${field}.samplesMs`));
  }
}

/** A finite number in [min, max]; LagConfigError naming `field` otherwise. */
export function bounded(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new LagConfigError(field, `must be a finite number, got ${JSON.stringify(value)}`);
  }
  if (value < min || value > max) throw new LagConfigError(field, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function positive(value: unknown, field: string): number {
  const number = bounded(value, field, 0, LAG_MS_MAX);
  if (number === 0) throw new LagConfigError(field, 'must be > 0, got 0');
  return number;
}

function samples(value: unknown, field: string): number[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new LagConfigError(field, 'must be a non-empty list of numbers');
  }
  return value.map((item: unknown, i) => bounded(item, `${field}[${i}]`, 0, LAG_MS_MAX));
}
