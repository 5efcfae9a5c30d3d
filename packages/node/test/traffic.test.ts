import { describe, expect, it } from 'vitest';
import { MeridianNode, TrafficStats, type TrafficView } from '@meridian/node';

describe('TrafficStats', () => {
  it('counts commands per second and read latency percentiles over a sliding five-second window', () => {
    let nowMs = 1_000_000;
    const stats = new TrafficStats(() => nowMs);
    for (let i = 0; i < 100; i++) {
      nowMs += 10;
      stats.record(i < 50 ? 10 : 1, i < 98 ? 1 : 100);
    }
    const view = stats.view();
    expect(view.commandsTotal).toBe(550);
    expect(view.windowMs).toBe(1000);
    expect(view.commandsPerSecond).toBe(550);
    expect(view.readsPerSecond).toBe(100);
    expect(view.readLatencyMs.samples).toBe(100);
    // Log buckets (4 per doubling): within 19 % of the true value.
    expect(view.readLatencyMs.p50).toBeGreaterThan(0.84);
    expect(view.readLatencyMs.p50).toBeLessThan(1.19);
    expect(view.readLatencyMs.p99).toBeGreaterThan(84);
    expect(view.readLatencyMs.p99).toBeLessThan(119);
    nowMs += 10_000;
    const later = stats.view();
    expect(later.commandsPerSecond).toBe(0);
    expect(later.readLatencyMs).toEqual({ p50: null, p99: null, samples: 0 });
    expect(later.commandsTotal).toBe(550);
  });

  it('shows in /_meridian/status: reads timed, writes and pipelines counted', async () => {
    const node = new MeridianNode({ insecureNoAuth: true, region: 'here' });
    const call = (url: string, body = ''): unknown =>
      node.handle({ method: 'POST', url, headers: {}, body: Buffer.from(body) });
    await call('/', '["SET","k","v"]');
    await call('/pipeline', '[["GET","k"],["GET","k"],["GET","k"]]');
    await call('/', '["GET","k"]');
    const traffic = (node.status() as { traffic: TrafficView }).traffic;
    expect(traffic.commandsTotal).toBe(5);
    expect(traffic.readLatencyMs.samples).toBe(2);
    expect(traffic.readLatencyMs.p50).not.toBeNull();
    expect(traffic.commandsPerSecond).toBeGreaterThan(0);
    await node.close();
  });
});
