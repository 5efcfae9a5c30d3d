/**
 * Counts of non-negative values (ms) in buckets of four significant decimal digits: 0.1 µs wide up to
 * 1 ms, then 10^(j−4) ms wide in (10^j, 10^(j+1)] ms. A bucket's upper edge is within 0.01 % of every
 * value in it (0.1 µs below 1 ms), and every multiple of 10^(j−4) in a decade is an edge, so the count
 * of values ≤ t is exact at such t (every point of a t-visibility grid: nice steps of about a 48th of
 * the span). Values ≤ 0 share one bucket. Memory grows with the span of the values, not their number:
 * pages of PAGE_BUCKETS counts are made on first use.
 */
export class DecimalHistogram {
  private readonly pages: (Uint32Array | undefined)[] = [];
  private readonly pageTotals: number[] = [];
  count = 0;
  /** Exact extremes (Infinity / −Infinity while empty). */
  min = Infinity;
  max = -Infinity;

  /** Adds one value (the name matches the arrays it replaces: `cell.latenciesMs.push(ms)`). */
  push(value: number): void {
    if (Number.isNaN(value)) return;
    const bucket = bucketOf(value);
    const pageIndex = Math.floor(bucket / PAGE_BUCKETS);
    let page = this.pages[pageIndex];
    if (page === undefined) {
      page = new Uint32Array(PAGE_BUCKETS);
      this.pages[pageIndex] = page;
      for (let i = this.pageTotals.length; i <= pageIndex; i++) this.pageTotals.push(0);
    }
    const slot = bucket - pageIndex * PAGE_BUCKETS;
    page[slot] = (page[slot] as number) + 1;
    this.pageTotals[pageIndex] = (this.pageTotals[pageIndex] as number) + 1;
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** Adds every value of `other`. */
  add(other: DecimalHistogram): void {
    other.pages.forEach((page, pageIndex) => {
      if (page === undefined) return;
      let mine = this.pages[pageIndex];
      if (mine === undefined) {
        mine = new Uint32Array(PAGE_BUCKETS);
        this.pages[pageIndex] = mine;
        for (let i = this.pageTotals.length; i <= pageIndex; i++) this.pageTotals.push(0);
      }
      for (let i = 0; i < PAGE_BUCKETS; i++) mine[i] = (mine[i] as number) + (page[i] as number);
      this.pageTotals[pageIndex] = (this.pageTotals[pageIndex] as number) + (other.pageTotals[pageIndex] as number);
    });
    this.count += other.count;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** Values in buckets up to `x`'s own: exactly the number ≤ x when x is a bucket edge. */
  countAtMost(x: number): number {
    if (this.count === 0) return 0;
    if (x >= this.max) return this.count;
    if (x < this.min) return 0;
    const bucket = bucketOf(x);
    const pageIndex = Math.floor(bucket / PAGE_BUCKETS);
    let total = 0;
    for (let i = 0; i < pageIndex && i < this.pageTotals.length; i++) total += this.pageTotals[i] as number;
    const page = this.pages[pageIndex];
    if (page !== undefined) {
      const last = bucket - pageIndex * PAGE_BUCKETS;
      for (let i = 0; i <= last; i++) total += page[i] as number;
    }
    return total;
  }

  /**
   * Nearest-rank quantile (as stats.ts `quantile` of the sorted values): the upper edge of the bucket
   * holding that rank, held within [min, max], so within 0.01 % above the exact value (0.1 µs below
   * 1 ms), and exact when the rank falls in the bucket of the largest value. 0 when empty.
   */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.min(this.count - 1, Math.max(0, Math.ceil(q * this.count) - 1));
    let seen = 0;
    for (let pageIndex = 0; pageIndex < this.pageTotals.length; pageIndex++) {
      const pageTotal = this.pageTotals[pageIndex] as number;
      if (seen + pageTotal <= rank) {
        seen += pageTotal;
        continue;
      }
      const page = this.pages[pageIndex] as Uint32Array;
      for (let i = 0; i < PAGE_BUCKETS; i++) {
        seen += page[i] as number;
        if (seen > rank) return Math.min(this.max, Math.max(this.min, upperEdgeOf(pageIndex * PAGE_BUCKETS + i)));
      }
    }
    return this.max;
  }

  /**
   * The values as a sorted sample with each one at its bucket's upper edge (held within [min, max]),
   * for code that wants a sample: within the resolution above of the values recorded.
   */
  sample(): Float64Array {
    const out = new Float64Array(this.count);
    let n = 0;
    this.pages.forEach((page, pageIndex) => {
      if (page === undefined) return;
      for (let i = 0; i < PAGE_BUCKETS; i++) {
        const count = page[i] as number;
        if (count === 0) continue;
        const value = Math.min(this.max, Math.max(this.min, upperEdgeOf(pageIndex * PAGE_BUCKETS + i)));
        out.fill(value, n, n + count);
        n += count;
      }
    });
    return out;
  }
}

/** Buckets per page of counts (16 KB). */
const PAGE_BUCKETS = 4_096;
/** Buckets of (0, 1] ms: 0.1 µs each. */
const FINE_BUCKETS = 10_000;
/** Buckets per decade (10^j, 10^(j+1)]: edges k · 10^(j−4), k = 10,001 … 100,000. */
const DECADE_BUCKETS = 90_000;
/** Values above 10^DECADES_MAX ms (about 116 days) share the last decade's last bucket. */
const DECADES_MAX = 10;
const POWERS_OF_TEN = Array.from({ length: DECADES_MAX + 5 }, (_, i) => 10 ** i);

/**
 * 0.14 is not a binary number: 0.14 · 10⁴ may come out a hair above 1,400, so a scaled value is
 * taken down by this relative amount before rounding up, and 0.14 (value or bound) lands in the
 * bucket whose edge it is. A value that much above an edge is counted at that edge; the simulator's
 * are not that close (a lag of times ~1.7·10¹² ms is a multiple of 2⁻¹² ms).
 */
const SNAP = 1e-12;

function bucketOf(value: number): number {
  if (!(value > 0)) return 0;
  if (value <= 1) return Math.min(FINE_BUCKETS, Math.max(1, Math.ceil(value * FINE_BUCKETS * (1 - SNAP))));
  let decade = 0;
  while (decade < DECADES_MAX - 1 && value > (POWERS_OF_TEN[decade + 1] as number)) decade++;
  // k · 10^(decade − 4) ≥ value, by an exact power of ten (multiplied or divided: both correctly rounded).
  const scaled =
    decade <= 4 ? value * (POWERS_OF_TEN[4 - decade] as number) : value / (POWERS_OF_TEN[decade - 4] as number);
  const k = Math.min(100_000, Math.max(10_001, Math.ceil(scaled * (1 - SNAP))));
  return FINE_BUCKETS + decade * DECADE_BUCKETS + (k - 10_000);
}

function upperEdgeOf(bucket: number): number {
  if (bucket <= 0) return 0;
  if (bucket <= FINE_BUCKETS) return bucket / FINE_BUCKETS;
  const decade = Math.floor((bucket - FINE_BUCKETS - 1) / DECADE_BUCKETS);
  const k = bucket - FINE_BUCKETS - decade * DECADE_BUCKETS + 10_000;
  return decade <= 4 ? k / (POWERS_OF_TEN[4 - decade] as number) : k * (POWERS_OF_TEN[decade - 4] as number);
}
