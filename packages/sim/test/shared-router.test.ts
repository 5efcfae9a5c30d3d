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

  it('plans each read once with RoutePlanner.plan, and a change to its decision changes who serves them', async () => {
    const original = RoutePlanner.prototype.plan;
    const plan = vi.spyOn(RoutePlanner.prototype, 'plan');
    const asIs = await run();
    expect(asIs?.reads).toBeGreaterThan(0);
    expect(plan.mock.calls.length).toBeGreaterThanOrEqual(asIs?.reads ?? Infinity);
    expect(plan.mock.calls[0]?.[0].url).toMatch(/^\/get\//);
    expect(asIs?.servedByPrimary).toBeLessThan((asIs?.reads ?? 0) / 2);

    // The planner changed to send every read to the primary: so does the simulator.
    plan.mockRestore();
    vi.spyOn(RoutePlanner.prototype, 'plan').mockImplementation(function (this: RoutePlanner, request) {
      const decided = original.call(this, request);
      return decided.kind === 'forward' ? { ...decided, regions: ['us-east-1'] } : decided;
    });
    const changed = await run();
    expect(changed?.reads).toBeGreaterThan(0);
    expect(changed?.servedByPrimary).toBe(changed?.reads);
    expect(changed?.staleReads).toBe(0);
  });
});
