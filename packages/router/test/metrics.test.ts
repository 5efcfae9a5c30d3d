import { describe, expect, it } from 'vitest';
import { Histogram, Registry } from '@meridian/metrics';
import { RouterMetrics } from '../src/metrics.js';

/** The router's request metrics, counted in plain numbers, read as prom-client would give them. */

const DURATION = 'meridian_router_request_duration_seconds';

/** The lines of one metric in a scrape. */
function linesOf(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}_`) || line.startsWith(`# HELP ${name} `));
}

describe('RouterMetrics', () => {
  it("reports request latencies as prom-client's histogram does for the same observations, text and JSON", async () => {
    const metrics = new RouterMetrics(() => []);
    const registry = new Registry();
    const reference = new Histogram({
      name: DURATION,
      help: 'Time from a request reaching the router to its answer starting, by serving region.',
      labelNames: ['served_by'],
      buckets: [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    // Every bucket, both sides of a bound, exactly on one, and past the last.
    const durationsMs = [0.05, 0.2, 0.21, 0.5, 0.9, 1, 3, 7, 20, 40, 90, 200, 400, 900, 2000, 4000, 5000, 9000];
    durationsMs.forEach((durationMs, i) => {
      const servedBy = ['us-east-1', 'router', 'eu-west-1'][i % 3] as string;
      metrics.record(servedBy, i % 4 === 0 ? 503 : 200, durationMs);
      reference.observe({ served_by: servedBy }, durationMs / 1000);
    });
    const text = linesOf(await metrics.registry.metrics(), DURATION);
    expect(text.length).toBeGreaterThan(3 * 17);
    expect(text).toEqual(linesOf(await registry.metrics(), DURATION));
    const json = (await metrics.registry.getMetricsAsJSON()).find((metric) => metric.name === DURATION);
    expect(json).toEqual((await registry.getMetricsAsJSON()).find((metric) => metric.name === DURATION));
    expect(text).toContain(`${DURATION}_count{served_by="us-east-1"} 6`);
    expect(text).toContain(`${DURATION}_bucket{le="0.0002",served_by="us-east-1"} 1`);
  });

  it('starts its latencies over when the registry is reset', async () => {
    const metrics = new RouterMetrics(() => []);
    metrics.record('us-east-1', 200, 0.3);
    metrics.registry.resetMetrics();
    metrics.record('us-east-1', 200, 0.3);
    expect(await metrics.registry.metrics()).toContain(`${DURATION}_count{served_by="us-east-1"} 1`);
  });
});
