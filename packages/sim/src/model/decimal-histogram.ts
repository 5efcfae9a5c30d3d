import { assert } from '@meridian/engine';

/**
 * Counts of non-negative values (ms) in buckets of d significant decimal digits (d = `digits`):
 * 10^−d ms wide up to 1 ms, then 10^(j−d) ms wide in (10^j, 10^(j+1)] ms. A bucket's upper edge is
 * within 10^−d of every value in it, relatively (10^−d ms below 1 ms), and every multiple of 10^(j−d)
 * in a decade is an edge, so the count of values ≤ t is exact at such t (for d ≥ 3, every point of a
 * t-visibility grid: nice steps of about a 48th of the span). Values ≤ 0 share one bucket. Memory grows
 * with the span of the values, not their number: buckets come in pages of PAGE_BUCKETS, made on first
 * use, each a small map of the buckets used until it has more than SPARSE_BUCKETS_MAX of them (a long
 * tail's lone values), then an array of counts.
 */
export class DecimalHistogram {
  private readonly scale: Scale;
  private readonly pages: (Page | undefined)[] = [];
  private readonly pageTotals: number[] = [];
  count = 0;
  /** Exact extremes (Infinity / −Infinity while empty). */
  min = Infinity;
  max = -Infinity;

  constructor(readonly digits = 4) {
    this.scale = scaleOf(digits);
  }

  /**
   * The decade (lowMs, highMs] the last value above 1 ms fell in, and how its values are scaled to
   * bucket numbers there: values come in runs from one decade (a replica's lags, a cell's latencies), so
   * most skip bucketOf's search for their decade. Empty (high 0) until the first value above 1 ms.
   */
  private readonly lastDecade = { lowMs: 0, highMs: 0, multiplier: 1, divisor: 1, firstBucket: 0 };

  /**
   * Values pushed but not yet counted in their buckets. A run pushes into many histograms in turn (a
   * cell per client region and level): counting a batch of one histogram's values at once finds its
   * pages in the cache, counting each as it comes mostly did not. `count`, `min` and `max` are kept
   * at once; whatever reads the buckets counts these first.
   */
  private readonly pending = new Float64Array(PENDING_VALUES_MAX);
  private pendingCount = 0;

  /** Adds one value (the name matches the arrays it replaces: `cell.latenciesMs.push(ms)`). */
  push(value: number): void {
    if (Number.isNaN(value)) return;
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.pending[this.pendingCount++] = value;
    if (this.pendingCount === PENDING_VALUES_MAX) this.countPending();
  }

  /** Counts the pending values in their buckets. */
  private countPending(): void {
    const pending = this.pending;
    const count = this.pendingCount;
    this.pendingCount = 0;
    for (let i = 0; i < count; i++) this.countInBucket(pending[i] as number);
  }

  /** Adds one to the bucket of `value` (not NaN). */
  private countInBucket(value: number): void {
    const decade = this.lastDecade;
    let bucket: number;
    if (value > decade.lowMs && value <= decade.highMs) {
      // bucketOf's arithmetic for this decade (the scaling is exact, by one power of ten either way).
      bucket = decade.firstBucket + stepOf(this.scale.fineBuckets, (value * decade.multiplier) / decade.divisor);
    } else {
      bucket = bucketOf(this.scale, value);
      if (value > 1) this.enterDecade(value);
    }
    const page = this.pages[bucket >> PAGE_BITS];
    if (page instanceof Uint32Array) {
      const slot = bucket & (PAGE_BUCKETS - 1);
      page[slot] = (page[slot] as number) + 1;
      this.pageTotals[bucket >> PAGE_BITS] = (this.pageTotals[bucket >> PAGE_BITS] as number) + 1;
    } else {
      this.addToPage(bucket >> PAGE_BITS, bucket & (PAGE_BUCKETS - 1), 1);
    }
  }

  /** Remembers the decade of `value` (> 1 ms) for the values after it. */
  private enterDecade(value: number): void {
    const { digits, decadeBuckets } = this.scale;
    const decade = decadeOf(value);
    const last = this.lastDecade;
    last.lowMs = POWERS_OF_TEN[decade] as number;
    // The last decade also holds everything above it (clamped to its last bucket): bucketOf decides those.
    last.highMs = decade < DECADES_MAX - 1 ? (POWERS_OF_TEN[decade + 1] as number) : 0;
    last.multiplier = decade <= digits ? (POWERS_OF_TEN[digits - decade] as number) : 1;
    last.divisor = decade <= digits ? 1 : (POWERS_OF_TEN[decade - digits] as number);
    // bucketOf's fineBuckets + decade · decadeBuckets + (k − fineBuckets), less k.
    last.firstBucket = decade * decadeBuckets;
  }

  /** Adds every value of `other`. */
  add(other: DecimalHistogram): void {
    assert(other.digits === this.digits, () => `adding ${other.digits}-digit counts to ${this.digits}-digit ones`);
    other.countPending();
    other.pages.forEach((page, pageIndex) => {
      if (page !== undefined) visitPage(page, (slot, count) => this.addToPage(pageIndex, slot, count));
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
    this.countPending();
    const bucket = bucketOf(this.scale, x);
    const pageIndex = Math.floor(bucket / PAGE_BUCKETS);
    let total = 0;
    for (let i = 0; i < pageIndex && i < this.pageTotals.length; i++) total += this.pageTotals[i] as number;
    const page = this.pages[pageIndex];
    if (page !== undefined) {
      const last = bucket - pageIndex * PAGE_BUCKETS;
      visitPage(page, (slot, count) => {
        if (slot > last) return true;
        total += count;
        return false;
      });
    }
    return total;
  }

  /**
   * Nearest-rank quantile (as stats.ts `quantile` of the sorted values): the upper edge of the bucket
   * holding that rank, held within [min, max], so within 10^−digits above the exact value, relatively
   * (10^−digits ms below 1 ms), and exact when the rank falls in the bucket of the largest value. 0 when empty.
   */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.min(this.count - 1, Math.max(0, Math.ceil(q * this.count) - 1));
    this.countPending();
    let seen = 0;
    for (let pageIndex = 0; pageIndex < this.pageTotals.length; pageIndex++) {
      const pageTotal = this.pageTotals[pageIndex] as number;
      if (seen + pageTotal <= rank) {
        seen += pageTotal;
        continue;
      }
      let found = this.max;
      visitPage(this.pages[pageIndex] as Page, (slot, count) => {
        seen += count;
        if (seen <= rank) return false;
        found = this.held(pageIndex * PAGE_BUCKETS + slot);
        return true;
      });
      return found;
    }
    return this.max;
  }

  /**
   * The values as a sorted sample with each one at its bucket's upper edge (held within [min, max]),
   * for code that wants a sample: within the resolution above of the values recorded.
   */
  sample(): Float64Array {
    this.countPending();
    const out = new Float64Array(this.count);
    let n = 0;
    this.pages.forEach((page, pageIndex) => {
      if (page === undefined) return;
      visitPage(page, (slot, count) => {
        out.fill(this.held(pageIndex * PAGE_BUCKETS + slot), n, n + count);
        n += count;
        return false;
      });
    });
    return out;
  }

  /** A bucket's upper edge, held within [min, max]. */
  private held(bucket: number): number {
    return Math.min(this.max, Math.max(this.min, upperEdgeOf(this.scale, bucket)));
  }

  private addToPage(pageIndex: number, slot: number, count: number): boolean {
    let page = this.pages[pageIndex];
    if (page === undefined) {
      page = new Map();
      this.pages[pageIndex] = page;
      for (let i = this.pageTotals.length; i <= pageIndex; i++) this.pageTotals.push(0);
    }
    if (page instanceof Map) {
      page.set(slot, (page.get(slot) ?? 0) + count);
      if (page.size > SPARSE_BUCKETS_MAX) {
        const dense = new Uint32Array(PAGE_BUCKETS);
        for (const [i, n] of page) dense[i] = n;
        this.pages[pageIndex] = dense;
      }
    } else {
      page[slot] = (page[slot] as number) + count;
    }
    this.pageTotals[pageIndex] = (this.pageTotals[pageIndex] as number) + count;
    return false;
  }
}

/** A page of buckets: the used ones by slot, or every one's count. */
type Page = Map<number, number> | Uint32Array;

/** Calls `visit` with each used bucket's slot and count, in slot order, until it returns true. */
function visitPage(page: Page, visit: (slot: number, count: number) => boolean): void {
  if (page instanceof Map) {
    const slots = [...page.keys()].sort((a, b) => a - b);
    for (const slot of slots) if (visit(slot, page.get(slot) as number)) return;
    return;
  }
  for (let slot = 0; slot < PAGE_BUCKETS; slot++) {
    const count = page[slot] as number;
    if (count !== 0 && visit(slot, count)) return;
  }
}

/** Values a histogram holds before it counts them in their buckets (8 bytes each). */
const PENDING_VALUES_MAX = 512;
/** Buckets per page (an array of counts: 4 KB). */
const PAGE_BITS = 10;
const PAGE_BUCKETS = 1 << PAGE_BITS;
/**
 * Used buckets a page keeps in a map before it becomes an array (a map's entry takes some 30-60 B, the
 * array 4 KB). Few: a replica's lags spread over ~90 pages of 4-digit buckets, and with 32 a page took
 * 33 values in its map first (most of a short run's lags went through Map.set).
 */
const SPARSE_BUCKETS_MAX = 8;
/** Values above 10^DECADES_MAX ms (about 116 days) share the last decade's last bucket. */
const DECADES_MAX = 10;
const POWERS_OF_TEN = Array.from({ length: DECADES_MAX + 6 }, (_, i) => 10 ** i);

/** The buckets of `digits` significant digits. */
interface Scale {
  digits: number;
  /** Buckets of (0, 1] ms: 10^−digits ms each. */
  fineBuckets: number;
  /** Buckets per decade (10^j, 10^(j+1)]: edges k · 10^(j−digits), k = 10^digits + 1 … 10^(digits+1). */
  decadeBuckets: number;
}

function scaleOf(digits: number): Scale {
  const fineBuckets = POWERS_OF_TEN[digits] as number;
  return { digits, fineBuckets, decadeBuckets: 9 * fineBuckets };
}

/**
 * 0.14 is not a binary number: 0.14 · 10⁴ may come out a hair above 1,400, so a scaled value is
 * taken down by this relative amount before rounding up, and 0.14 (value or bound) lands in the
 * bucket whose edge it is. A value that much above an edge is counted at that edge; the simulator's
 * are not that close (a lag of times ~1.7·10¹² ms is a multiple of 2⁻¹² ms).
 */
const SNAP = 1e-12;

function bucketOf(scale: Scale, value: number): number {
  if (!(value > 0)) return 0;
  const { digits, fineBuckets, decadeBuckets } = scale;
  if (value <= 1) return Math.min(fineBuckets, Math.max(1, Math.ceil(value * fineBuckets * (1 - SNAP))));
  const decade = decadeOf(value);
  // k · 10^(decade − digits) ≥ value, by an exact power of ten (multiplied or divided: both correctly rounded).
  const scaled =
    decade <= digits
      ? value * (POWERS_OF_TEN[digits - decade] as number)
      : value / (POWERS_OF_TEN[decade - digits] as number);
  return fineBuckets + decade * decadeBuckets + (stepOf(fineBuckets, scaled) - fineBuckets);
}

/** The decade of `value` (> 1 ms): 10^decade < value ≤ 10^(decade + 1), the last one open above. */
function decadeOf(value: number): number {
  let decade = 0;
  while (decade < DECADES_MAX - 1 && value > (POWERS_OF_TEN[decade + 1] as number)) decade++;
  return decade;
}

/** The step k (fineBuckets < k ≤ 10 · fineBuckets) of a value scaled into its decade. */
function stepOf(fineBuckets: number, scaled: number): number {
  return Math.min(10 * fineBuckets, Math.max(fineBuckets + 1, Math.ceil(scaled * (1 - SNAP))));
}

function upperEdgeOf(scale: Scale, bucket: number): number {
  if (bucket <= 0) return 0;
  const { digits, fineBuckets, decadeBuckets } = scale;
  if (bucket <= fineBuckets) return bucket / fineBuckets;
  const decade = Math.floor((bucket - fineBuckets - 1) / decadeBuckets);
  const k = bucket - decade * decadeBuckets;
  return decade <= digits
    ? k / (POWERS_OF_TEN[digits - decade] as number)
    : k * (POWERS_OF_TEN[decade - digits] as number);
}
