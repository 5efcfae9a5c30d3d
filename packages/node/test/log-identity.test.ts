import { describe, expect, it } from 'vitest';
import { digestKeyspace, Engine } from '@meridian/engine';
import { VirtualClock } from '@meridian/lag';
import { engineSnapshotSource, MemoryNetwork, ReplicationPrimary, ReplicationReplica } from '@meridian/replication';
import { MemoryWriteLog } from '@meridian/store';
import { MemoryHistory, PersistentApplier } from '@meridian/node';

// Log identity (protocol v4): a replica resumes only where its last entry is the primary's entry
// there too, and a new primary after a failover continues its replicas' history (PSYNC2).

async function run(clock: VirtualClock, ms: number): Promise<void> {
  for (let i = 0; i < ms; i++) {
    clock.advance(1);
    await Promise.resolve();
    await Promise.resolve();
  }
}

class Primary {
  readonly engine = new Engine({ role: 'primary' });
  readonly log = new MemoryWriteLog();
  replication: ReplicationPrimary | undefined;
  readonly events: string[] = [];

  constructor(
    private readonly clock: VirtualClock,
    private readonly network: MemoryNetwork,
  ) {}

  listen(replicationId: string, previousHistory?: { replicationId: string; offset: number }): void {
    this.replication = new ReplicationPrimary({
      listener: this.network.listen('primary'),
      log: this.log,
      clock: this.clock,
      snapshots: engineSnapshotSource(this.engine, this.log, this.clock),
      secret: 's',
      replicationId,
      previousHistory,
      onEvent: (event) => this.events.push(event.kind === 'synced' ? `synced ${event.mode}` : event.kind),
    });
  }

  write(...argv: string[]): void {
    const { effects } = this.engine.execute(argv, this.clock.nowMs());
    if (effects.length > 0) this.log.append(this.clock.nowMs(), effects);
    this.replication?.onAppend();
  }

  async close(): Promise<void> {
    await this.replication?.close();
  }
}

function replicaOf(
  clock: VirtualClock,
  network: MemoryNetwork,
  state: { engine: Engine; log: MemoryWriteLog; history: MemoryHistory },
) {
  const applier = new PersistentApplier(
    state.engine,
    state.log,
    state.history,
    () => clock.nowMs(),
    () => undefined,
    {
      lastTimeMs: undefined,
    },
  );
  const replica = new ReplicationReplica({
    connector: network.connector('primary'),
    applier,
    clock,
    replicaId: 'r',
    region: 'eu',
    secret: 's',
    random: () => 0.5,
  });
  const modes: string[] = [];
  replica.on((event) => void (event.kind === 'connected' && modes.push(event.mode)));
  return { replica, modes };
}

describe('log identity at the resume point', () => {
  it('a replica whose tail differs from a restarted primary (same history, entries lost and rewritten) is fully resynced', async () => {
    const clock = new VirtualClock(1_000_000);
    const network = new MemoryNetwork(clock);
    const first = new Primary(clock, network);
    first.listen('h');
    const state = { engine: new Engine({ role: 'replica' }), log: new MemoryWriteLog(), history: new MemoryHistory() };
    const { replica, modes } = replicaOf(clock, network, state);
    replica.start();
    await run(clock, 50);
    for (let i = 1; i <= 5; i++) first.write('SET', `k${i}`, 'old');
    await run(clock, 200);
    expect(state.log.lastOffset()).toBe(5);
    replica.stop();
    await first.close();

    // The primary comes back with only offsets 1-3 (4 and 5 were streamed, never committed) and
    // writes other entries at 4, 5 and 6 under the same history id.
    const second = new Primary(clock, network);
    for (let i = 1; i <= 3; i++) second.write('SET', `k${i}`, 'old');
    second.write('SET', 'k4', 'new');
    second.write('SET', 'k5', 'new');
    second.write('SET', 'k6', 'new');
    second.listen('h');
    const again = replicaOf(clock, network, state);
    again.replica.start();
    await run(clock, 200);
    // Resuming at 5 would have kept k4 = k5 = "old": the checksum of entry 5 differs, so a full resync.
    expect(second.events).toContain('diverged');
    expect(second.replication?.divergedCount).toBe(1);
    expect(again.modes).toEqual(['full']);
    expect(digestKeyspace(state.engine.db)).toBe(digestKeyspace(second.engine.db));
    again.replica.stop();
    await second.close();
    expect(modes).toEqual(['full']);
  });

  it('a new primary continuing the old history (previousHistory) resumes its replicas partially and they adopt its id', async () => {
    const clock = new VirtualClock(1_000_000);
    const network = new MemoryNetwork(clock);
    const old = new Primary(clock, network);
    old.listen('h1');
    const state = { engine: new Engine({ role: 'replica' }), log: new MemoryWriteLog(), history: new MemoryHistory() };
    const first = replicaOf(clock, network, state);
    first.replica.start();
    await run(clock, 50);
    for (let i = 1; i <= 4; i++) old.write('SET', `k${i}`, 'v');
    await run(clock, 200);
    first.replica.stop();
    await old.close();
    expect(state.history.read()).toBe('h1');

    // The promoted region held the same four entries; it continues history h1 as h2 from offset 4.
    const promoted = new Primary(clock, network);
    const held = old.log.read(1, { entriesMax: 100, bytesMax: 1 << 20 });
    for (const entry of held.kind === 'entries' ? held.entries : []) {
      promoted.log.appendAt(entry.offset, entry.timeMs, entry.effects);
      promoted.engine.applyEffects(entry.effects, entry.timeMs);
    }
    expect(promoted.log.lastOffset()).toBe(4);
    promoted.write('SET', 'after', 'failover');
    promoted.listen('h2', { replicationId: 'h1', offset: 4 });
    const second = replicaOf(clock, network, state);
    second.replica.start();
    await run(clock, 200);
    expect(second.modes).toEqual(['partial']);
    expect(state.history.read()).toBe('h2');
    expect(digestKeyspace(state.engine.db)).toBe(digestKeyspace(promoted.engine.db));
    second.replica.stop();
    await promoted.close();
  });
});
