import { Counter, Gauge, Histogram, processRegistry, type Registry } from '@meridian/metrics';
import type { RegionView } from './monitor.js';

/** Requests by serving region and status class: counted here, handed to the counter when scraped. */
interface Series {
  readonly labels: { readonly served_by: string; readonly status: string };
  uncounted: number;
  readonly latency: ReturnType<Histogram<'served_by'>['labels']>;
}

/**
 * The router's Prometheus metrics, on a registry of its own: requests by the region that served
 * them and status class, their latency, and each region as the router sees it (read at scrape time).
 */
export class RouterMetrics {
  readonly registry: Registry = processRegistry('meridian_router_');
  private readonly requests: Counter<'served_by' | 'status'>;
  private readonly latency: Histogram<'served_by'>;

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
    this.latency = new Histogram({
      name: 'meridian_router_request_duration_seconds',
      help: 'Time from a request reaching the router to its answer starting, by serving region.',
      labelNames: ['served_by'],
      buckets: [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
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
        latency: this.latency.labels({ served_by: servedBy }),
      };
      byStatus[statusIndex] = series;
      this.counted.push(series);
    }
    series.uncounted++;
    series.latency.observe(durationMs / 1000);
  }
}
