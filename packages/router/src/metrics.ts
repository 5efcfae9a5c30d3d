import { Counter, Gauge, Histogram, processRegistry, type Registry } from '@meridian/metrics';
import type { RegionView } from './monitor.js';

/** Requests by serving region and status class: counted here, handed to the counter when scraped. */
interface Series {
  readonly labels: { readonly served_by: string; readonly status: string };
  uncounted: number;
  readonly latency: Latencies;
}

/** Upper bounds of the latency buckets, in seconds. */
const LATENCY_BUCKETS_S: readonly number[] = [
  0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

/** One value of a histogram as prom-client's registry reads it. */
interface PromValue {
  readonly labels: { readonly le?: number | string };
  readonly sharedLabels: { readonly served_by: string };
  readonly value: number;
  readonly metricName: string;
  readonly exemplar?: null;
}

/** One serving region's latencies: a count per bucket (the last: above every bound) and their sum. */
interface Latencies {
  readonly servedBy: string;
  readonly counts: Float64Array;
  sumS: number;
}

/**
 * prom-client's histogram, counted in plain numbers per serving region (`observe`) and read only
 * when scraped: prom-client's own observe hashes the labels and finds the bucket by its bound's text
 * on every call, which the router would do per request.
 */
class LatencyHistogram extends Histogram<'served_by'> {
  private latencies: Latencies[] | undefined;

  constructor(
    private readonly metricName: string,
    private readonly helpText: string,
    registers: Registry[],
  ) {
    super({ name: metricName, help: helpText, labelNames: ['served_by'], buckets: [...LATENCY_BUCKETS_S], registers });
  }

  series(servedBy: string): Latencies {
    const latencies: Latencies = { servedBy, counts: new Float64Array(LATENCY_BUCKETS_S.length + 1), sumS: 0 };
    (this.latencies ??= []).push(latencies);
    return latencies;
  }

  static observe(latencies: Latencies, durationS: number): void {
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS_S.length && durationS > (LATENCY_BUCKETS_S[bucket] as number)) bucket++;
    latencies.counts[bucket] = (latencies.counts[bucket] as number) + 1;
    latencies.sumS += durationS;
  }

  /**
   * What prom-client's histogram gives for the same observations (cumulative buckets, +Inf, sum
   * and count per region): the registry reads a metric through this method when it has one, and
   * the histogram's own get() builds on it.
   */
  async getForPromString(): Promise<{
    name: string;
    help: string;
    type: string;
    values: PromValue[];
    aggregator: string;
  }> {
    const values: PromValue[] = [];
    const bucketName = `${this.metricName}_bucket`;
    for (const { servedBy, counts, sumS } of this.latencies ?? []) {
      const labels = { served_by: servedBy };
      let count = 0;
      for (let bucket = 0; bucket < LATENCY_BUCKETS_S.length; bucket++) {
        count += counts[bucket] as number;
        const le = LATENCY_BUCKETS_S[bucket] as number;
        values.push({ labels: { le }, sharedLabels: labels, value: count, metricName: bucketName, exemplar: null });
      }
      count += counts[LATENCY_BUCKETS_S.length] as number;
      values.push({
        labels: { le: '+Inf' },
        sharedLabels: labels,
        value: count,
        metricName: bucketName,
        exemplar: null,
      });
      values.push({ labels: {}, sharedLabels: labels, value: sumS, metricName: `${this.metricName}_sum` });
      values.push({ labels: {}, sharedLabels: labels, value: count, metricName: `${this.metricName}_count` });
    }
    return { name: this.metricName, help: this.helpText, type: 'histogram', values, aggregator: 'sum' };
  }

  override reset(): void {
    super.reset();
    for (const latencies of this.latencies ?? []) {
      latencies.counts.fill(0);
      latencies.sumS = 0;
    }
  }
}

/**
 * The router's Prometheus metrics, on a registry of its own: requests by the region that served
 * them and status class, their latency, and each region as the router sees it (read at scrape time).
 */
export class RouterMetrics {
  readonly registry: Registry = processRegistry('meridian_router_');
  private readonly requests: Counter<'served_by' | 'status'>;
  private readonly latency: LatencyHistogram;

  constructor(regions: () => readonly RegionView[]) {
    const registers = [this.registry];
    const counted = this.counted;
    this.requests = new Counter({
      name: 'meridian_router_requests_total',
      help: 'Requests the router answered, by the region that served them (router: answered itself) and status class.',
      labelNames: ['served_by', 'status'],
      registers,
      // Counted per request in plain numbers (record), handed to prom-client when scraped.
      collect() {
        for (const series of counted) {
          if (series.uncounted === 0) continue;
          this.inc(series.labels, series.uncounted);
          series.uncounted = 0;
        }
      },
    });
    this.latency = new LatencyHistogram(
      'meridian_router_request_duration_seconds',
      'Time from a request reaching the router to its answer starting, by serving region.',
      registers,
    );
    const perRegion = (name: string, help: string, read: (view: RegionView) => number | undefined): void => {
      new Gauge({
        name,
        help,
        labelNames: ['region'],
        registers,
        collect() {
          this.reset();
          for (const view of regions()) {
            const value = read(view);
            if (value !== undefined && Number.isFinite(value)) this.set({ region: view.name }, value);
          }
        },
      });
    };
    perRegion('meridian_router_region_healthy', '1 when the router routes to the region.', (v) => (v.healthy ? 1 : 0));
    perRegion('meridian_router_region_primary', '1 for the region writes go to.', (v) => (v.isPrimary ? 1 : 0));
    perRegion('meridian_router_region_staleness_seconds', 'Staleness the region last reported.', (v) =>
      Number.isFinite(v.stalenessMs) ? v.stalenessMs / 1000 : undefined,
    );
    perRegion(
      'meridian_router_region_applied_offset',
      'Log offset the region last reported applied.',
      (v) => v.appliedOffset,
    );
    perRegion('meridian_router_region_epoch', 'Failover epoch the region last reported.', (v) => v.epoch);
  }

  /** The labelled series per region and status class (index: status / 100), looked up once rather than hashed per request. */
  private readonly series = new Map<string, (Series | undefined)[]>();
  /** Latencies per serving region. */
  private readonly latencies = new Map<string, Latencies>();
  /** Every series, for the counter's collect. */
  private readonly counted: Series[] = [];

  /** Whether a request target is the scrape endpoint. */
  static isScrape(url: string): boolean {
    return url === '/metrics' || url.startsWith('/metrics?');
  }

  record(servedBy: string, status: number, durationMs: number): void {
    const statusIndex = Math.floor(status / 100);
    let byStatus = this.series.get(servedBy);
    if (byStatus === undefined) this.series.set(servedBy, (byStatus = []));
    let series = byStatus[statusIndex];
    if (series === undefined) {
      series = {
        labels: { served_by: servedBy, status: `${statusIndex}xx` },
        uncounted: 0,
        latency: this.latencyOf(servedBy),
      };
      byStatus[statusIndex] = series;
      this.counted.push(series);
    }
    series.uncounted++;
    LatencyHistogram.observe(series.latency, durationMs / 1000);
  }

  private latencyOf(servedBy: string): Latencies {
    let latencies = this.latencies.get(servedBy);
    if (latencies === undefined) this.latencies.set(servedBy, (latencies = this.latency.series(servedBy)));
    return latencies;
  }
}
