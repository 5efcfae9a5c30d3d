import { type ByteString, digestKeyspace, Engine, findCommand } from '@meridian/engine';
import { MemoryWriteLog, recoverEngine, type SqliteWriteLog, type WriteLog } from '@meridian/store';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openLog, tempDir } from './support.js';

const keys = ['a', 'b', 'c', 'bin\u00ff\u0000'];
const values = ['1', 'x', '\u0080\u00fe', ''];

const key = fc.constantFrom(...keys);
const value = fc.constantFrom(...values);
const candidates: fc.Arbitrary<ByteString[]>[] = [
  fc.tuple(key, value).map(([k, v]) => ['SET', k, v]),
  fc.tuple(key, value, fc.integer({ min: 1, max: 50 })).map(([k, v, ms]) => ['SET', k, v, 'PX', String(ms)]),
  fc.tuple(key, value).map(([k, v]) => ['SET', k, v, 'KEEPTTL']),
  key.map((k) => ['GET', k]),
  fc.tuple(key, key).map(([k1, k2]) => ['DEL', k1, k2]),
  fc.tuple(key, value).map(([k, v]) => ['RPUSH', `list:${k}`, v]),
  key.map((k) => ['LPOP', `list:${k}`]),
  fc.tuple(key, value).map(([k, v]) => ['SADD', `set:${k}`, v]),
  key.map((k) => ['SPOP', `set:${k}`]),
  fc.tuple(key, value).map(([k, v]) => ['SREM', `set:${k}`, v]),
];
/** Only commands present in the engine's command table (other families land independently). */
const command = fc.oneof(
  ...candidates.filter((arbitrary) => findCommand(fc.sample(arbitrary, 1)[0]?.[0] ?? '') !== undefined),
);

type Step = { argv: ByteString[]; advanceMs: number; snapshot: boolean };
const step: fc.Arbitrary<Step> = fc.record({
  argv: command,
  advanceMs: fc.integer({ min: 0, max: 20 }),
  snapshot: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});

/** Runs the steps on a primary, logging its effects and taking snapshots where asked. */
async function runPrimary(
  log: WriteLog & { writeSnapshot?: SqliteWriteLog['writeSnapshot'] },
  steps: readonly Step[],
): Promise<Engine> {
  const engine = new Engine({ role: 'primary', random: () => 0.5 });
  let nowMs = 1_700_000_000_000;
  const durable: Promise<void>[] = [];
  for (const { argv, advanceMs, snapshot } of steps) {
    nowMs += advanceMs;
    const { effects } = engine.execute(argv, nowMs);
    if (effects.length > 0) durable.push(log.append(nowMs, effects).durable);
    if (snapshot && log.writeSnapshot !== undefined)
      await log.writeSnapshot(engine.db, { offset: log.lastOffset(), timeMs: nowMs });
  }
  await Promise.all(durable);
  return engine;
}

describe('recoverEngine', () => {
  it('rebuilds exactly the live keyspace from snapshots + log, after a restart (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 120 }), async (steps) => {
        const dir = tempDir();
        const log = openLog(dir, { policy: 'everysec', snapshotsKeep: 2, snapshotChunkEntriesMax: 2 });
        const live = await runPrimary(log, steps);
        await log.close();
        const reopened = openLog(dir, { policy: 'everysec' });
        const recovered = new Engine({ role: 'primary' });
        const report = recoverEngine(recovered, reopened);
        expect(report.lastOffset).toBe(reopened.lastOffset());
        if (steps.some((s) => s.snapshot)) expect(report.snapshot).toBeDefined();
        expect(digestKeyspace(recovered.db)).toBe(digestKeyspace(live.db));
        await reopened.close();
      }),
      { numRuns: 40 },
    );
  });

  it('works over the memory log too (no snapshots)', async () => {
    const steps = fc.sample(step, { numRuns: 200, seed: 7 });
    const log = new MemoryWriteLog();
    const live = await runPrimary(log, steps);
    const recovered = new Engine({ role: 'replica' });
    recoverEngine(recovered, Object.assign(log, { snapshots: () => [], readSnapshot: () => [] }));
    expect(digestKeyspace(recovered.db)).toBe(digestKeyspace(live.db));
  });

  it('uses the newest snapshot and replays only the entries after it', async () => {
    const dir = tempDir();
    const log = openLog(dir);
    const live = new Engine({ role: 'primary' });
    const write = (argv: string[], nowMs: number): void => {
      log.append(nowMs, live.execute(argv, nowMs).effects);
    };
    write(['SET', 'a', '1'], 1000);
    write(['SET', 'b', '2'], 1001);
    await log.writeSnapshot(live.db, { offset: 2, timeMs: 1001 });
    write(['DEL', 'a'], 1002);
    write(['SET', 'c', '3'], 1003);
    await log.close();
    const reopened = openLog(dir);
    const recovered = new Engine({ role: 'primary' });
    const report = recoverEngine(recovered, reopened);
    expect(report.snapshot?.offset).toBe(2);
    expect(report.replayedEntries).toBe(2);
    expect(report.lastOffset).toBe(4);
    expect(report.lastTimeMs).toBe(1003);
    expect(digestKeyspace(recovered.db)).toBe(digestKeyspace(live.db));
    await reopened.close();
  });

  it('keeps TTLs absolute: a key that expired while down is gone on access, and the DEL is logged', async () => {
    const dir = tempDir();
    const log = openLog(dir);
    const live = new Engine({ role: 'primary' });
    log.append(1000, live.execute(['SET', 'short', 'v', 'PX', '100'], 1000).effects);
    log.append(1000, live.execute(['SET', 'long', 'v', 'PX', '1000000'], 1000).effects);
    await log.writeSnapshot(live.db, { offset: 2, timeMs: 1000 });
    await log.close();
    const reopened = openLog(dir);
    const recovered = new Engine({ role: 'primary' });
    recoverEngine(recovered, reopened);
    expect(recovered.db.expiresAtMs.get('short')).toBe(1100);
    const afterRestart = recovered.execute(['GET', 'short'], 5000);
    expect(afterRestart.reply).toBeNull();
    expect(afterRestart.effects).toEqual([['DEL', 'short']]);
    expect(recovered.execute(['GET', 'long'], 5000).reply).toBe('v');
    await reopened.close();
  });

  it('refuses a log that does not reach back to offset 1 without a snapshot', () => {
    const log = new MemoryWriteLog();
    log.resetTo(10);
    log.append(1, [['SET', 'a', '1']]);
    const store = Object.assign(log, { snapshots: () => [], readSnapshot: () => [] });
    expect(() => recoverEngine(new Engine({ role: 'replica' }), store)).toThrow(
      expect.objectContaining({ code: 'MERIDIAN_STORE_LOG_GAP' }),
    );
  });
});
