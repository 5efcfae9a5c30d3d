import { afterEach, describe, expect, it, vi } from 'vitest';
import { RoutePlanner } from '@meridian/router';
import { parseFaultSchedule, runStalenessExperiment } from '@meridian/sim';
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

  it('decides reads with RoutePlanner.route over what RoutePlanner.read made of its GET, and a change to the decision changes who serves them', async () => {
    const original = RoutePlanner.prototype.route;
    const read = vi.spyOn(RoutePlanner.prototype, 'read');
    const route = vi.spyOn(RoutePlanner.prototype, 'route');
    const asIs = await run();
    expect(asIs?.reads).toBeGreaterThan(0);
    // Nothing changed the regions' health: each client's first read asked the planner, the rest reuse
    // its decision. The router reads a client's GET once (its class, location and consistency).
    expect(route.mock.calls.length).toBeGreaterThan(0);
    expect(route.mock.calls.length).toBeLessThanOrEqual(3 * 8);
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

  it('asks the planner again once a node goes down or a client link is cut: no read goes to a crashed node or over a cut link', async () => {
    const config = topology(3, '  delay: geo\n  jitter: { distribution: exponential, meanMs: 5 }');
    const route = vi.spyOn(RoutePlanner.prototype, 'route');
    const { summary } = await runStalenessExperiment(
      quickOptions(config, (o) => {
        o.workload.consistencyMix = { eventual: 1, strong: 1 };
        o.faults = parseFaultSchedule(
          `
- { kind: replica-crash, atMs: 1000, durationMs: 1500, region: eu-west-1 }
- { kind: partition, atMs: 3000, durationMs: 1000, regions: [us-east-1, ap-southeast-1] }
`,
          config.regions.map((r) => r.name),
        );
      }),
    );
    // Each fault's start and end changed the regions' health: the planner was asked again after each.
    expect(route.mock.calls.length).toBeGreaterThan(3 * 4);
    expect(route.mock.calls.length).toBeLessThan((summary.totals.reads ?? 0) / 10);
    // eu-west-1's eventual readers went to another region while its node was down (a read already on
    // its way when it crashed may fail there), and they came back to it.
    expect(summary.failures['read (eventual): node down'] ?? 0).toBeLessThanOrEqual(2);
    expect(summary.consistency['eventual']?.reads).toBeGreaterThan(500);
    // ap-southeast-1's strong readers got the router's own answer while the primary was cut off, not a
    // read sent over the cut link.
    expect(summary.failures['read (strong): primary unreachable']).toBeGreaterThan(10);
    expect(summary.failures['read (strong): client link down']).toBeUndefined();
  });
});
