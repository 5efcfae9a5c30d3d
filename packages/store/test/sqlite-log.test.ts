import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { digestKeyspace, Engine } from '@meridian/engine';
import { recoverEngine, SCHEMA_VERSION, type SqliteWriteLog } from '@meridian/store';
import { describe, expect, it } from 'vitest';
import { effectsFor } from './log-contract.js';
import { emptySnapshotAt, openLog, tempDir } from './support.js';

const everything = { entriesMax: 1_000_000, bytesMax: 1 << 30 };
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function isSettled(promise: Promise<void>): Promise<boolean> {
  const marker = Symbol('pending');
  return Promise.race([promise.then(() => true), Promise.resolve(marker).then(() => false)]);
}

describe('group commit', () => {
  it('commits appends made in the same turn in one transaction', async () => {
    const log = openLog(tempDir());
    const results = Array.from({ length: 256 }, (_, i) => log.append(i, effectsFor(i + 1)));
    expect(log.stats().commits).toBe(0);
    await Promise.all(results.map((result) => result.durable));
    expect(log.stats()).toMatchObject({ commits: 1, committedEntries: 256, durableOffset: 256 });
    await log.close();
  });

  it('uses fewer transactions than entries for many concurrent writers', async () => {
    const log = openLog(tempDir());
    const writer = async (rounds: number): Promise<void> => {
      for (let i = 0; i < rounds; i++) await log.append(i, effectsFor(i)).durable;
    };
    await Promise.all(Array.from({ length: 32 }, () => writer(10)));
    const stats = log.stats();
    expect(stats.committedEntries).toBe(320);
    expect(stats.commits).toBeLessThanOrEqual(12);
    await log.close();
  });

  it('commits at once when the queue reaches pendingEntriesMax', async () => {
    const log = openLog(tempDir(), { pendingEntriesMax: 10 });
    for (let i = 1; i <= 25; i++) log.append(i, effectsFor(i));
    expect(log.durableOffset()).toBe(20);
    await nextTurn();
    expect(log.durableOffset()).toBe(25);
    await log.close();
  });
});

describe('durability policies', () => {
  it('always: durable resolves only after the COMMIT', async () => {
    const dir = tempDir();
    const log = openLog(dir, { policy: 'always' });
    const { offset, durable } = log.append(1, effectsFor(1));
    expect(await isSettled(durable)).toBe(false);
    expect(log.durableOffset()).toBe(0);
    await durable;
    expect(log.durableOffset()).toBe(offset);
    expect(existsSync(join(dir, 'meridian.db-wal'))).toBe(true);
    expect(log.openReport.pragmas).toEqual({
      journal_mode: 'wal',
      synchronous: 2,
      busy_timeout: 5000,
      wal_autocheckpoint: 1000,
      locking_mode: 'exclusive',
    });
    await log.close();
  });

  it('everysec: durable resolves at once and the entry is committed on the next turn', async () => {
    const log = openLog(tempDir(), { policy: 'everysec', busyTimeoutMs: 250, walAutocheckpointPages: 64 });
    expect(log.openReport.pragmas).toMatchObject({
      journal_mode: 'wal',
      synchronous: 1,
      busy_timeout: 250,
      wal_autocheckpoint: 64,
    });
    const { durable } = log.append(1, effectsFor(1));
    expect(await isSettled(durable)).toBe(true);
    expect(log.durableOffset()).toBe(0);
    await nextTurn();
    expect(log.durableOffset()).toBe(1);
    await log.close();
  });

  it('none: memory only, no file written', async () => {
    const dir = tempDir();
    const log = openLog(dir, { policy: 'none' });
    await log.append(1, effectsFor(1)).durable;
    await nextTurn();
    expect(log.stats().durableOffset).toBe(1);
    expect(log.openReport.path).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
    await log.close();
  });
});

async function filledLog(
  dir: string,
  count: number,
  options: Parameters<typeof openLog>[1] = {},
): Promise<SqliteWriteLog> {
  const log = openLog(dir, options);
  const durable: Promise<void>[] = [];
  for (let i = 1; i <= count; i++) durable.push(log.append(1000 * i, effectsFor(i)).durable);
  await Promise.all(durable);
  return log;
}

describe('retention', () => {
  it('keeps entriesMax entries, but never cuts past the oldest kept snapshot', async () => {
    const log = await filledLog(tempDir(), 100, { retention: { entriesMax: 10 }, snapshotsKeep: 2 });
    expect(log.enforceRetention()).toBe(1);
    await emptySnapshotAt(log, 50);
    expect(log.firstOffset()).toBe(51);
    await emptySnapshotAt(log, 95);
    expect(log.firstOffset()).toBe(51);
    await emptySnapshotAt(log, 100);
    expect(log.snapshots().map((snapshot) => snapshot.offset)).toEqual([100, 95]);
    expect(log.firstOffset()).toBe(91);
    expect(log.stats()).toMatchObject({
      firstOffset: 91,
      lastOffset: 100,
      logEntries: 10,
      snapshotOffset: 100,
      snapshotCount: 2,
    });
    await log.close();
  });

  it('keeps about bytesMax bytes and ageMsMax of history', async () => {
    const dir = tempDir();
    const log = await filledLog(dir, 100);
    await emptySnapshotAt(log, 100);
    const bytesPerEntry = log.stats().logBytes / 100;
    await log.close();
    const byBytes = openLog(dir, { retention: { bytesMax: Math.floor(bytesPerEntry * 20.5) } });
    expect(byBytes.enforceRetention()).toBeGreaterThanOrEqual(80);
    expect(byBytes.stats().logBytes).toBeLessThanOrEqual(bytesPerEntry * 20.5);
    await byBytes.close();
    const byAge = openLog(dir, { retention: { ageMsMax: 5000 } });
    expect(byAge.enforceRetention(100_000)).toBe(95);
    await byAge.close();
  });
});

describe('snapshots', () => {
  it('writes big keyspaces in chunks while appends keep committing', async () => {
    const log = openLog(tempDir(), { snapshotChunkEntriesMax: 100, snapshotSliceMsMax: 0 });
    const engine = new Engine({ role: 'primary' });
    for (let i = 0; i < 5000; i++) log.append(1, engine.execute(['SET', `k${i}`, `v${i}\u00ff`], 1).effects);
    const writing = log.writeSnapshot(engine.db, { offset: log.lastOffset(), timeMs: 1 });
    const commitsBefore = log.stats().commits;
    const late = [];
    for (let i = 0; i < 5; i++) {
      await nextTurn();
      late.push(log.append(2, engine.execute(['SET', `late${i}`, 'x'], 2).effects).durable);
    }
    await Promise.all(late);
    const info = await writing;
    expect(log.stats().commits - commitsBefore).toBeGreaterThanOrEqual(5);
    expect(info).toMatchObject({ offset: 5000, entryCount: 5000, chunkCount: 50 });
    const copy = new Engine({ role: 'replica' });
    const report = recoverEngine(copy, log);
    expect(report.replayedEntries).toBe(5);
    expect(digestKeyspace(copy.db)).toBe(digestKeyspace(engine.db));
    await log.close();
  });

  it('falls back to the older snapshot when the newest one is corrupt', async () => {
    const dir = tempDir();
    const log = openLog(dir, { snapshotChunkEntriesMax: 1 });
    const engine = new Engine({ role: 'primary' });
    log.append(1, engine.execute(['SET', 'a', '1'], 1).effects);
    await log.writeSnapshot(engine.db, { offset: 1, timeMs: 1 });
    log.append(2, engine.execute(['SET', 'b', '2'], 2).effects);
    const newest = await log.writeSnapshot(engine.db, { offset: 2, timeMs: 2 });
    log.append(3, engine.execute(['DEL', 'a'], 3).effects);
    await log.close();
    const raw = new Database(join(dir, 'meridian.db'));
    raw
      .prepare('UPDATE snapshot_chunks SET data = zeroblob(length(data)) WHERE snapshot_id = ? AND seq = 1')
      .run(newest.id);
    raw.close();
    const reopened = openLog(dir);
    const copy = new Engine({ role: 'replica' });
    const report = recoverEngine(copy, reopened);
    expect(report.snapshot?.offset).toBe(1);
    expect(report.skippedSnapshots).toEqual([
      { id: newest.id, offset: 2, reason: expect.stringContaining('checksum') },
    ]);
    expect(digestKeyspace(copy.db)).toBe(digestKeyspace(engine.db));
    await reopened.close();
  });

  it('deletes a half-written snapshot on open', async () => {
    const dir = tempDir();
    const log = await filledLog(dir, 3);
    await log.close();
    const raw = new Database(join(dir, 'meridian.db'));
    raw.prepare('INSERT INTO snapshots (offset, time_ms, created_at_ms) VALUES (3, 3, 3)').run();
    raw.close();
    const reopened = openLog(dir);
    expect(reopened.openReport.droppedIncompleteSnapshots).toBe(1);
    expect(reopened.snapshots()).toEqual([]);
    await reopened.close();
  });

  it('replica: resetTo + writeSnapshot installs a full resync that survives a restart', async () => {
    const dir = tempDir();
    const replica = await filledLog(dir, 5);
    const primary = new Engine({ role: 'primary' });
    primary.execute(['SET', 'from-primary', 'v'], 1);
    replica.resetTo(40);
    const engine = new Engine({ role: 'replica' });
    engine.db.data.set('from-primary', 'v');
    const installing = replica.writeSnapshot(engine.db, { offset: 40, timeMs: 1 });
    replica.appendAt(41, 2, [['SET', 'live', '1']]);
    await installing;
    await replica.close();
    const reopened = openLog(dir);
    const copy = new Engine({ role: 'replica' });
    const report = recoverEngine(copy, reopened);
    expect(report).toMatchObject({ lastOffset: 41, replayedEntries: 1, snapshot: { offset: 40 } });
    expect(copy.execute(['GET', 'live'], 3).reply).toBe('1');
    expect(copy.execute(['GET', 'from-primary'], 3).reply).toBe('v');
    expect(reopened.appendAt(42, 4, [['DEL', 'live']]).offset).toBe(42);
    await reopened.close();
  });
});

describe('corruption and bad files', () => {
  it('cuts a corrupt tail back to the last good entry and reports it', async () => {
    const dir = tempDir();
    const log = await filledLog(dir, 20);
    await log.close();
    const raw = new Database(join(dir, 'meridian.db'));
    const rows = raw.prepare('SELECT offset, payload FROM entries WHERE offset >= 18').all() as {
      offset: number;
      payload: Buffer;
    }[];
    for (const row of rows) {
      const flipped = Buffer.from(row.payload);
      flipped[flipped.length - 2] = (flipped[flipped.length - 2] ?? 0) ^ 0x5a;
      raw.prepare('UPDATE entries SET payload = ? WHERE offset = ?').run(flipped, row.offset);
    }
    raw.close();
    const reopened = openLog(dir);
    expect(reopened.openReport).toMatchObject({ firstBadOffset: 18, droppedTailEntries: 3 });
    expect(reopened.openReport.messages.join('\n')).toContain('cut the log back to 17');
    expect(reopened.lastOffset()).toBe(17);
    const read = reopened.read(1, everything);
    expect(read.kind === 'entries' && read.entries.map((entry) => entry.offset)).toEqual(
      Array.from({ length: 17 }, (_, i) => i + 1),
    );
    expect(reopened.append(1, effectsFor(18)).offset).toBe(18);
    await reopened.close();
  });

  it('treats a hole in the offsets like corruption', async () => {
    const dir = tempDir();
    const log = await filledLog(dir, 10);
    await log.close();
    const raw = new Database(join(dir, 'meridian.db'));
    raw.prepare('DELETE FROM entries WHERE offset = 6').run();
    raw.close();
    const reopened = openLog(dir);
    expect(reopened.openReport.firstBadOffset).toBe(6);
    expect(reopened.lastOffset()).toBe(5);
    await reopened.close();
  });

  it('refuses a database with a newer schema version, leaving it untouched', async () => {
    const dir = tempDir();
    await (await filledLog(dir, 2)).close();
    const raw = new Database(join(dir, 'meridian.db'));
    raw.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(SCHEMA_VERSION + 1);
    raw.close();
    expect(() => openLog(dir)).toThrow(
      expect.objectContaining({
        code: 'MERIDIAN_STORE_SCHEMA_TOO_NEW',
        message: expect.stringContaining(`${join(dir, 'meridian.db')} has schema version ${SCHEMA_VERSION + 1}`),
      }),
    );
    const check = new Database(join(dir, 'meridian.db'));
    expect(check.prepare('SELECT count(*) FROM entries').pluck().get()).toBe(2);
    check.close();
  });

  it('fails fast with the path when the data directory cannot be written', () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'not a directory');
    const dataDir = join(file, 'data');
    expect(() => openLog(dataDir)).toThrow(
      expect.objectContaining({ code: 'MERIDIAN_STORE_DIR_NOT_WRITABLE', message: expect.stringContaining(dataDir) }),
    );
  });

  it('refuses a file that is not a database', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'meridian.db'), Buffer.alloc(8192, 7));
    expect(() => openLog(dir)).toThrow(expect.objectContaining({ code: 'MERIDIAN_STORE_NOT_A_DATABASE' }));
  });

  it('refuses a second opener of the same data directory', async () => {
    const dir = tempDir();
    const log = openLog(dir);
    expect(() => openLog(dir, { busyTimeoutMs: 10 })).toThrow(
      expect.objectContaining({ code: 'MERIDIAN_STORE_LOCKED' }),
    );
    await log.close();
  });

  it('closes idempotently and refuses use after close', async () => {
    const log = await filledLog(tempDir(), 2);
    await log.close();
    await log.close();
    expect(() => log.append(1, [])).toThrow(expect.objectContaining({ code: 'MERIDIAN_STORE_CLOSED' }));
  });
});

describe('stats', () => {
  it('reports offsets, sizes and commits for INFO', async () => {
    const log = await filledLog(tempDir(), 10);
    await emptySnapshotAt(log, 4);
    log.append(11, effectsFor(11));
    const stats = log.stats();
    expect(stats).toMatchObject({
      policy: 'always',
      firstOffset: 1,
      lastOffset: 11,
      durableOffset: 10,
      pendingEntries: 1,
      logEntries: 11,
      snapshotOffset: 4,
      snapshotCount: 1,
    });
    expect(stats.logBytes).toBeGreaterThan(10 * 40);
    expect(stats.fileBytes).toBeGreaterThan(0);
    expect(new Map(log.infoFields()).get('meridian_log_last_offset')).toBe(11);
    await log.close();
  });
});
