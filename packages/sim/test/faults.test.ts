import { describe, expect, it } from 'vitest';
import type { ReplicaApplier } from '@meridian/replication';
import {
  parseFaultSchedule,
  PRIMARY_LOG_RETENTION,
  REPLICA_ENTRIES_BEFORE_SNAPSHOT,
  runStalenessExperiment,
  SimulationInvariantError,
} from '@meridian/sim';
import { quickOptions, topology } from './helpers.js';

const GEO = '  delay: geo\n  jitter: { distribution: exponential, meanMs: 4 }';

type Entry = Parameters<ReplicaApplier['apply']>[0];

/** A replica applier (`wrapApplier`) that applies the entry at `offset` as `change` makes it, the others as they come. */
function changingEntryAt(offset: number, change: (entry: Entry) => Entry) {
  return (_region: string, inner: ReplicaApplier): ReplicaApplier => ({
    appliedOffset: () => inner.appliedOffset(),
    replicationId: () => inner.replicationId(),
    loadSnapshot: (entries, at, id) => inner.loadSnapshot(entries, at, id),
    apply: (entry) => inner.apply(entry.offset === offset ? change(entry) : entry),
  });
}

describe('faults and guarantees', () => {
  it('session and strong reads keep their guarantees through a partition, a replica crash and a primary crash', async () => {
    const config = topology(3, GEO);
    const options = quickOptions(config, (o) => {
      o.seed = 21;
      o.durationMs = 20_000;
      o.workload.writesPerSecond = 60;
      o.workload.readsPerSecond = 600;
      o.workload.keyCount = 20;
      o.workload.consistencyMix = { eventual: 1, session: 1, 'bounded=300': 1, strong: 1 };
      o.faults = parseFaultSchedule(
        `
- { kind: partition, atMs: 3000, durationMs: 3000, regions: [us-east-1, eu-west-1] }
- { kind: replica-crash, atMs: 8000, durationMs: 2000, region: ap-southeast-1 }
- { kind: lag, atMs: 11000, durationMs: 2000, from: us-east-1, to: eu-west-1, delayMs: 400 }
- { kind: stall, atMs: 14000, durationMs: 500, regions: [us-east-1, ap-southeast-1] }
- { kind: primary-crash, atMs: 16000, durationMs: 1000 }
`,
        config.regions.map((r) => r.name),
      );
    });
    const { summary } = await runStalenessExperiment(options);
    for (const level of ['session', 'strong']) {
      expect(summary.consistency[level]?.readYourWritesViolations, level).toBe(0);
      expect(summary.consistency[level]?.monotonicViolations, level).toBe(0);
      expect(summary.consistency[level]?.reads, level).toBeGreaterThan(1000);
    }
    expect(summary.consistency['strong']?.staleReads).toBe(0);
    // The faults bit: eventual readers saw stale data, the partitioned replica lagged by seconds, requests failed.
    expect(summary.consistency['eventual']?.staleReads).toBeGreaterThan(0);
    expect(summary.regions['eu-west-1']?.lagMs.max).toBeGreaterThan(2500);
    expect(summary.regions['ap-southeast-1']?.lagMs.max).toBeGreaterThan(1500);
    expect(summary.totals.failedRequests).toBeGreaterThan(0);
    expect(summary.failures['write: primary down']).toBeGreaterThan(0);
    expect(summary.invariants.replicasBehind).toEqual([]);
    expect(summary.invariants.digestChecks).toBeGreaterThan(3);
    expect(summary.faults.map((f) => f.label)).toEqual([
      'partition us-east-1↔eu-west-1',
      'crash ap-southeast-1',
      'lag us-east-1→eu-west-1',
      'stall us-east-1↔ap-southeast-1',
      'crash primary',
    ]);
  });

  it('detects a corrupt replica (keyspace digest) and names the seed and the replay command', async () => {
    const config = topology(2, GEO);
    // One extra key the primary never had: the next digest comparison must catch it.
    const corrupt = changingEntryAt(40, (entry) => ({ ...entry, effects: [...entry.effects, ['SET', 'stray', 'x']] }));
    const options = quickOptions(config, (o) => {
      o.seed = 77;
      o.wrapApplier = corrupt;
      o.replay = { configPath: 'test.yaml' };
    });
    const error: unknown = await runStalenessExperiment(options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SimulationInvariantError);
    const message = (error as Error).message;
    expect(message).toMatch(/eu-west-1 at offset \d+ has keyspace digest/);
    expect(message).toContain('seed: 77');
    expect(message).toContain('replay: meridian experiment staleness --mode sim --seed 77 --config test.yaml');
    expect((error as SimulationInvariantError).seed).toBe(77);
  });

  it("a replica's disk keeps what it applied: a corrupted entry replayed after a restart is still caught", async () => {
    const config = topology(2, GEO);
    // The same shape as the primary's entry (one SET of three arguments), another key: a stray key
    // the primary never had. The replica's disk must replay this entry, not the primary's copy of it.
    const corrupt = changingEntryAt(40, (entry) => ({
      ...entry,
      effects: entry.effects.map(([name, key, ...rest]) => [name ?? '', `stray:${key ?? ''}`, ...rest]),
    }));
    const options = quickOptions(config, (o) => {
      o.seed = 78;
      o.wrapApplier = corrupt;
      // Checked only at the end: after the crash, the restart replays the disk.
      o.digestCheckEveryMs = 60_000;
      o.faults = parseFaultSchedule(
        '- { kind: replica-crash, atMs: 2000, durationMs: 500, region: eu-west-1 }',
        config.regions.map((r) => r.name),
      );
    });
    const error: unknown = await runStalenessExperiment(options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SimulationInvariantError);
    expect((error as Error).message).toMatch(/eu-west-1 at offset \d+ has keyspace digest/);
  });

  it('detects a replica that skips an offset', async () => {
    const config = topology(2, GEO);
    let skipped = false;
    const options = quickOptions(config, (o) => {
      o.wrapApplier = (_region, inner) => ({
        appliedOffset: () => (skipped ? inner.appliedOffset() + 1 : inner.appliedOffset()),
        replicationId: () => inner.replicationId(),
        loadSnapshot: (entries, offset, id) => inner.loadSnapshot(entries, offset, id),
        apply: (entry) => {
          if (entry.offset === 30 && !skipped) {
            skipped = true;
            return;
          }
          inner.apply({ ...entry, offset: entry.offset - (skipped ? 1 : 0) });
        },
      });
    });
    await expect(runStalenessExperiment(options)).rejects.toThrow(
      /applied offset \d+ where \d+ was due|digest|pub\/sub messages/,
    );
  });

  it('rejects a bad fault schedule with the field named', () => {
    const names = ['us-east-1', 'eu-west-1'];
    expect(() => parseFaultSchedule('- { kind: partition, atMs: 1, regions: [us-east-1, mars] }', names)).toThrow(
      /faults\[0\]\.regions\[1\]/,
    );
    expect(() => parseFaultSchedule('- { kind: stall, atMs: 1, regions: [us-east-1, eu-west-1] }', names)).toThrow(
      /durationMs/,
    );
    expect(() =>
      parseFaultSchedule('faults: [{ kind: lag, atMs: 1, from: us-east-1, to: eu-west-1, delayMs: -3 }]', names),
    ).toThrow(/delayMs/);
    expect(parseFaultSchedule('{"faults":[{"kind":"primary-crash","atMs":5}]}', names)).toEqual([
      { kind: 'primary-crash', atMs: 5 },
    ]);
  });
});

describe('replica disks in long runs', () => {
  it('a replica snapshots its keyspace every REPLICA_ENTRIES_BEFORE_SNAPSHOT entries, and a crash recovers from it exactly', async () => {
    const config = topology(3, '  delay: 20\n  jitter: { distribution: exponential, meanMs: 2 }');
    const options = quickOptions(config, (o) => {
      o.seed = 4;
      o.durationMs = 16_000;
      o.workload.writesPerSecond = 2_000;
      o.workload.readsPerSecond = 200;
      o.workload.publishesPerSecond = 0;
      // Many keys, each written about once: a key the snapshot lost would stay lost, and the digests would differ.
      o.workload.keyCount = 50_000;
      o.workload.keyPopularity = { kind: 'uniform' };
      // The crash comes after the first snapshot (20,000 entries ≈ 10 s): recovery loads it, then replays.
      o.faults = parseFaultSchedule(
        '- { kind: replica-crash, atMs: 13000, durationMs: 1000, region: eu-west-1 }',
        config.regions.map((r) => r.name),
      );
    });
    expect(REPLICA_ENTRIES_BEFORE_SNAPSHOT).toBe(20_000);
    const { summary } = await runStalenessExperiment(options);
    expect(summary.totals.committedOffsets).toBeGreaterThan(25_000);
    // Every replica caught up and its keyspace digest equals the primary's (the run fails otherwise).
    expect(summary.invariants.convergedReplicas.sort()).toEqual(['ap-southeast-1', 'eu-west-1']);
    expect(summary.invariants.digestChecks).toBeGreaterThan(0);
  });

  it('the primary snapshots and keeps a bounded log: a replica further behind gets a full resync, a restart recovers from the snapshot', async () => {
    const config = topology(3, '  delay: 20\n  jitter: { distribution: exponential, meanMs: 2 }');
    const snapshotsLoaded = new Map<string, number>();
    const options = quickOptions(config, (o) => {
      o.seed = 5;
      o.durationMs = 14_000;
      o.workload.writesPerSecond = 800;
      o.workload.readsPerSecond = 200;
      o.workload.publishesPerSecond = 0;
      o.workload.keyCount = 5_000;
      o.workload.keyPopularity = { kind: 'uniform' };
      // A real node's figures scaled down 10 and 33 times, so a short run goes past them.
      o.primaryLogRetention = { entriesBeforeSnapshot: 1_000, entriesRetained: 3_000 };
      // eu-west-1 falls ~4,000 entries behind (more than the log keeps); the primary then crashes
      // with its log truncated, so its restart must load its snapshot and replay only what follows.
      o.faults = parseFaultSchedule(
        `
- { kind: partition, atMs: 1000, durationMs: 8000, regions: [us-east-1, eu-west-1] }
- { kind: primary-crash, atMs: 12000, durationMs: 500 }
`,
        config.regions.map((r) => r.name),
      );
      o.wrapApplier = (region, inner): ReplicaApplier => ({
        appliedOffset: () => inner.appliedOffset(),
        replicationId: () => inner.replicationId(),
        apply: (entry) => inner.apply(entry),
        loadSnapshot: (entries, offset, id) => {
          // Every replica's first sync is a snapshot at offset 0 (the empty keyspace); count the later ones.
          if (offset > 0) snapshotsLoaded.set(region, (snapshotsLoaded.get(region) ?? 0) + 1);
          inner.loadSnapshot(entries, offset, id);
        },
      });
    });
    expect(PRIMARY_LOG_RETENTION).toEqual({ entriesBeforeSnapshot: 10_000, entriesRetained: 100_000 });
    const { summary } = await runStalenessExperiment(options);
    expect(summary.totals.committedOffsets).toBeGreaterThan(8_000);
    // Only the replica the log no longer reached was sent the primary's snapshot.
    expect(snapshotsLoaded.get('eu-west-1')).toBeGreaterThanOrEqual(1);
    expect(snapshotsLoaded.get('ap-southeast-1')).toBeUndefined();
    // Both replicas caught up and their keyspace digests equal the restarted primary's (the run fails otherwise).
    expect(summary.invariants.convergedReplicas.sort()).toEqual(['ap-southeast-1', 'eu-west-1']);
    expect(summary.invariants.digestChecks).toBeGreaterThan(0);
  });
});
