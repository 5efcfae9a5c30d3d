import { afterEach, describe, expect, it, vi } from 'vitest';
import { RoutePlanner } from '@meridian/router';
import { runStalenessExperiment } from '@meridian/sim';
import { quickOptions, topology } from './helpers.js';

describe("the simulator routes every read with the router's own planner, not a copy of it", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const run = async () => {
    const config = topology(3, '  delay: geo\n  jitter: { distribution: exponential, meanMs: 5 }');
    const { summary } = await runStalenessExperiment(
      quickOptions(config, (o) => {
        o.workload.consistencyMix = { eventual: 1 };
      }),
    );
    return summary.consistency['eventual'];
  };

  it('decides each read with RoutePlanner.route over what RoutePlanner.read made of its GET, and a change to the decision changes who serves them', async () => {
    const original = RoutePlanner.prototype.route;
    const read = vi.spyOn(RoutePlanner.prototype, 'read');
    const route = vi.spyOn(RoutePlanner.prototype, 'route');
    const asIs = await run();
    expect(asIs?.reads).toBeGreaterThan(0);
    expect(route.mock.calls.length).toBeGreaterThanOrEqual(asIs?.reads ?? Infinity);
    // The router reads a client's GET once (its class, location and consistency): 3 regions of 8 clients.
    expect(read.mock.calls.length).toBeGreaterThan(0);
    expect(read.mock.calls.length).toBeLessThanOrEqual(3 * 8);
    expect(read.mock.calls[0]?.[0].url).toMatch(/^\/get\//);
    expect(read.mock.calls[0]?.[0].headers).toMatchObject({ 'x-meridian-consistency': 'eventual' });
    expect(asIs?.servedByPrimary).toBeLessThan((asIs?.reads ?? 0) / 2);

    // The planner's decision changed to send every read to the primary: so does the simulator.
    route.mockRestore();
    vi.spyOn(RoutePlanner.prototype, 'route').mockImplementation(function (this: RoutePlanner, routed, transient) {
      const decided = original.call(this, routed, transient);
      return decided.kind === 'forward' ? { ...decided, regions: ['us-east-1'] } : decided;
    });
    const changed = await run();
    expect(changed?.reads).toBeGreaterThan(0);
    expect(changed?.servedByPrimary).toBe(changed?.reads);
    expect(changed?.staleReads).toBe(0);
  });
});
