import { MeridianError } from '@meridian/engine';
export interface KolmogorovSmirnovResult {
  /** sup |F_a(x) − F_b(x)| over the two empirical CDFs. */
  d: number;
  /** Asymptotic p-value of D under "both samples come from one distribution". */
  pValue: number;
  /** The D above which the test rejects at `alpha`. */
  critical: number;
  alpha: number;
}

/** Q_KS(λ) = 2 Σ (−1)^(k−1) e^(−2k²λ²), the Kolmogorov distribution's tail. */
function kolmogorovTail(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = 2 * (k % 2 === 1 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
  }
  return Math.min(1, Math.max(0, sum));
}

/**
 * Two-sample Kolmogorov–Smirnov test (used to compare sim and live lag distributions). The
 * p-value uses Stephens' small-sample correction of the asymptotic distribution; the critical
 * value is c(α)·√((n+m)/(n·m)) with c(α) = √(−ln(α/2)/2).
 */
export function kolmogorovSmirnov(a: ArrayLike<number>, b: ArrayLike<number>, alpha = 0.01): KolmogorovSmirnovResult {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0)
    throw new MeridianError('MERIDIAN_ASSERT_FAILED', 'kolmogorovSmirnov: both samples must be non-empty');
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const value = Math.min(x[i] as number, y[j] as number);
    while (i < n && (x[i] as number) <= value) i++;
    while (j < m && (y[j] as number) <= value) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const effective = Math.sqrt((n * m) / (n + m));
  const pValue = kolmogorovTail((effective + 0.12 + 0.11 / effective) * d);
  const critical = Math.sqrt(-Math.log(alpha / 2) / 2) / effective;
  return { d, pValue, critical, alpha };
}
