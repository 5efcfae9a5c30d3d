import { describe, expect, it } from 'vitest';
import { type Consistency, decideRead, type ReadDecider } from '@meridian/core';
import { runStalenessExperiment } from '@meridian/sim';
import { quickOptions, topology } from './helpers.js';

describe("the simulator runs the core's read decision, not a copy of it", () => {
  it("changing the core's decision (eventual held to a 0 ms staleness bound) changes who serves the sim's reads", async () => {
    const config = topology(3, '  delay: geo\n  jitter: { distribution: exponential, meanMs: 5 }');
    const run = async (readDecision: ReadDecider | undefined) =>
      (
        await runStalenessExperiment(
          quickOptions(config, (o) => {
            o.workload.consistencyMix = { eventual: 1 };
            if (readDecision !== undefined) o.readDecision = readDecision;
          }),
        )
      ).summary.consistency['eventual'];
    const asIs = await run(undefined);
    const strict: Consistency = { level: 'bounded', stalenessMsMax: 0 };
    const changed = await run((state, consistency, token) =>
      decideRead(state, consistency?.level === 'eventual' ? strict : consistency, token),
    );
    expect(asIs?.reads).toBeGreaterThan(0);
    expect(changed?.reads).toBeGreaterThan(0);
    // As the node decides: eventual reads at a replica with a known history and staleness are served there.
    expect(asIs?.staleReads).toBeGreaterThan(0);
    expect(asIs?.servedByPrimary).toBeLessThan((asIs?.reads ?? 0) / 2);
    // With the changed decision the replicas hand them to the primary, and nothing is stale.
    expect(changed?.servedByPrimary).toBeGreaterThan((changed?.reads ?? 0) / 2);
    expect(changed?.staleReads).toBeLessThan(asIs?.staleReads ?? 0);
  });
});
