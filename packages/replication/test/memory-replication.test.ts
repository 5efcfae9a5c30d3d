import { describe, expect, it } from 'vitest';
import { digestKeyspace, Engine } from '@meridian/engine';
import { exponential, LinkModel, SeededRandom, VirtualClock } from '@meridian/lag';
import {
  EngineApplier,
  engineSnapshotSource,
  MemoryNetwork,
  ReplicationPrimary,
  ReplicationReplica,
} from '@meridian/replication';
import { MemoryWriteLog } from '@meridian/store';
import { run } from './virtual-time.js';

interface Outcome {
  lags: number[];
  digests: [string, string];
  /** Kinds of event a listener that leaves out 'applied' saw, and the replica's last apply time. */
  quietKinds: string[];
  lastAppliedAtMs: number | undefined;
}

/** `lagsFrom`: the 'applied' events, or the onEntryApplied hook (no listener then takes 'applied'). */
async function simulate(seed: number, lagsFrom: 'events' | 'hook' = 'events'): Promise<Outcome> {
  const clock = new VirtualClock(1_700_000_000_000);
  const random = new SeededRandom(seed);
  const network = new MemoryNetwork(clock);
  const engine = new Engine({ role: 'primary', random: random.fork('engine').asFunction() });
  const log = new MemoryWriteLog();
  const link = new LinkModel({ baseDelayMs: 100, jitter: exponential(10) }, random.fork('link'));
  const primary = new ReplicationPrimary({
    listener: network.listen('us-east-1'),
    log,
    clock,
    snapshots: engineSnapshotSource(engine, log, clock),
    secret: 's',
    replicationId: 'h',
    linkFor: () => link,
  });
  const applier = new EngineApplier(new Engine({ role: 'replica' }));
  const lags: number[] = [];
  const replica = new ReplicationReplica({
    connector: network.connector('us-east-1'),
    applier,
    clock,
    replicaId: 'r',
    region: 'ap-southeast-1',
    secret: 's',
    random: random.fork('backoff').asFunction(),
    ...(lagsFrom === 'hook'
      ? { onEntryApplied: (entry, appliedAtMs) => void lags.push(appliedAtMs - entry.timeMs) }
      : {}),
  });
  if (lagsFrom === 'events') {
    replica.on((event) => void (event.kind === 'applied' && lags.push(event.appliedAtMs - event.commitTimeMs)));
  }
  const quietKinds: string[] = [];
  replica.on((event) => void quietKinds.push(event.kind), { applied: false });
  const write = (...argv: string[]): void => {
    const { effects } = engine.execute(argv, clock.nowMs());
    if (effects.length > 0) log.append(clock.nowMs(), effects);
    primary.onAppend();
  };
  write('SET', 'before', 'snapshot');
  replica.start();
  for (let i = 0; i < 200; i++) {
    write('SET', `k${i % 17}`, `v${i}`, 'PX', '100000');
    await run(clock, 7);
  }
  await run(clock, 1000);
  replica.stop();
  await primary.close();
  return {
    lags,
    digests: [digestKeyspace(engine.db), digestKeyspace(applier.engine.db)],
    quietKinds,
    lastAppliedAtMs: replica.lastAppliedAtMs,
  };
}

describe('replication on the in-memory network and a virtual clock', () => {
  it('converges, shows the modelled lag, and replays exactly from its seed', async () => {
    const first = await simulate(42);
    expect(first.digests[1]).toBe(first.digests[0]);
    expect(first.lags.length).toBeGreaterThanOrEqual(195);
    expect(Math.min(...first.lags)).toBeGreaterThanOrEqual(100);
    const mean = first.lags.reduce((a, b) => a + b, 0) / first.lags.length;
    expect(mean).toBeGreaterThan(105);
    expect(mean).toBeLessThan(140);
    expect(await simulate(42)).toEqual(first);
    expect((await simulate(43)).lags).not.toEqual(first.lags);
  });

  it('gives the same per-entry lags through onEntryApplied, and no applied events to a listener that leaves them out', async () => {
    const events = await simulate(42);
    const hook = await simulate(42, 'hook');
    expect(hook).toEqual(events);
    expect(hook.quietKinds).toContain('connected');
    expect(hook.quietKinds).not.toContain('applied');
    expect(hook.lastAppliedAtMs).toBeGreaterThan(1_700_000_000_000);
  });
});
