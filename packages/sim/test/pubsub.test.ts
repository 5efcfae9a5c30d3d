import { describe, expect, it } from 'vitest';
import {
  csvFiles,
  formatTerminalTable,
  parseFaultSchedule,
  renderReport,
  runStalenessExperiment,
  ZERO_NODE_COSTS,
} from '@meridian/sim';
import { quickOptions, topology } from './helpers.js';

describe('pub/sub delivery in the staleness experiment', () => {
  it('fixed delays: each region receives every message, delivery = replication delay + the local hop', async () => {
    // us-east-1 → eu-west-1 120 ms, → ap-southeast-1 200 ms; a subscriber is 1 ms from its node.
    const config = topology(
      3,
      '  delay: 50\n  links:\n    - { from: us-east-1, to: eu-west-1, delayMs: 120 }\n    - { from: us-east-1, to: ap-southeast-1, delayMs: 200 }',
    );
    const options = quickOptions(config, (o) => {
      o.workload.publishesPerSecond = 40;
      o.clientLocalDelayMs = 1;
      // Exact figures: the network model alone, without the nodes' own costs.
      o.nodeCosts = ZERO_NODE_COSTS;
    });
    const { summary } = await runStalenessExperiment(options);
    expect(summary.totals.publishes).toBeGreaterThan(150);
    const expected = { 'us-east-1': 1, 'eu-west-1': 121, 'ap-southeast-1': 201 };
    for (const [region, deliveryMs] of Object.entries(expected)) {
      const pubsub = summary.regions[region]?.pubsub;
      expect(pubsub?.published, region).toBe(summary.totals.publishes);
      expect(pubsub?.delivered, region).toBe(pubsub?.published);
      expect(pubsub?.lost, region).toBe(0);
      expect(pubsub?.deliveryMs.p50, region).toBeCloseTo(deliveryMs, 6);
      expect(pubsub?.deliveryMs.max, region).toBeCloseTo(deliveryMs, 6);
      // The publisher's hop to the primary comes first: end-to-end is never shorter than delivery.
      expect(pubsub?.endToEndMs.p50, region).toBeGreaterThan(deliveryMs);
    }
    // Beside the replication lag: the message rides the same stream, one local hop later.
    expect(summary.regions['eu-west-1']?.lagMs.p50).toBeCloseTo(120, 6);
    // Every delivery was checked for log order; the end-of-run count check ran for each region.
    expect(summary.invariants.pubsubChecks).toBe(3 * summary.totals.publishes + 3);
    // PUBLISH entries are not writes: the lag figures count the workload's writes only.
    expect(summary.totals.committedOffsets).toBe(
      (summary.regions['eu-west-1']?.appliedWrites ?? 0) + summary.totals.publishes,
    );
  });

  it('a partition holds messages back until it heals, then delivers them in order', async () => {
    const config = topology(2, '  delay: 40');
    const options = quickOptions(config, (o) => {
      o.workload.publishesPerSecond = 50;
      o.faults = parseFaultSchedule(
        '- { kind: partition, atMs: 1000, durationMs: 2000, regions: [us-east-1, eu-west-1] }',
        ['us-east-1', 'eu-west-1'],
      );
    });
    const { summary } = await runStalenessExperiment(options);
    const replica = summary.regions['eu-west-1']?.pubsub;
    expect(replica?.lost).toBe(0);
    expect(replica?.delivered).toBe(replica?.published);
    // eu-west-1's own publishers cannot reach the primary meanwhile: those never commit.
    const failed = summary.failures['publish: region cannot reach the primary'] ?? 0;
    expect(failed).toBeGreaterThan(0);
    expect(replica?.published).toBe(summary.totals.publishes - failed);
    // Messages published at the start of the partition wait for it to heal (~2 s).
    expect(replica?.deliveryMs.max).toBeGreaterThan(1_500);
    expect(replica?.deliveryMs.p50).toBeLessThan(100);
    expect(summary.regions['us-east-1']?.pubsub.deliveryMs.max).toBeLessThan(10);
  });

  it('a replica that drops PUBLISH entries fails the run with the region named', async () => {
    const config = topology(2, '  delay: 30');
    const options = quickOptions(config, (o) => {
      o.wrapApplier = (_region, inner) => ({
        appliedOffset: () => inner.appliedOffset(),
        replicationId: () => inner.replicationId(),
        loadSnapshot: (entries, offset, id) => inner.loadSnapshot(entries, offset, id),
        apply: (entry) =>
          inner.apply({ ...entry, effects: entry.effects.filter((effect) => effect[0]?.toUpperCase() !== 'PUBLISH') }),
      });
    });
    await expect(runStalenessExperiment(options)).rejects.toThrow(
      /eu-west-1 delivered 0 pub\/sub messages, the primary committed \d+/,
    );
  });

  it('reports the figures in pubsub.csv, the report and the terminal table; no publishes: dashes', async () => {
    const config = topology(2, '  delay: 30');
    // Exact figures: the network model alone, without the nodes' own costs.
    const withMessages = await runStalenessExperiment(quickOptions(config, (o) => (o.nodeCosts = ZERO_NODE_COSTS)));
    const csv = csvFiles(withMessages.summary)['pubsub.csv'] ?? '';
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(
      'region,role,published,delivered,lost,deliveryP50,deliveryP90,deliveryP99,deliveryMax,endToEndP50,endToEndP99,lagP50,lagP99',
    );
    const published = withMessages.summary.totals.publishes;
    expect(published).toBeGreaterThan(50);
    expect(lines[2]).toMatch(new RegExp(`^eu-west-1,replica,${published},${published},0,31,`));
    expect(renderReport(withMessages.summary)).toContain('Pub/sub delivery per region');
    expect(formatTerminalTable(withMessages)).toMatch(
      new RegExp(`eu-west-1 .* 31\\.0 +31\\.0 +${published}/${published}`),
    );

    const silent = await runStalenessExperiment(quickOptions(config, (o) => (o.workload.publishesPerSecond = 0)));
    expect(silent.summary.totals.publishes).toBe(0);
    expect(silent.summary.regions['eu-west-1']?.pubsub).toMatchObject({ published: 0, delivered: 0, lost: 0 });
    expect(formatTerminalTable(silent)).toMatch(/eu-west-1 .* - +- +-$/m);
  });
});
