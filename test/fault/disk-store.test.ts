/**
 * The store's side of a full disk, without a filesystem trick: SQLite's `max_page_count` caps the
 * log's database at its current size, so the next commit fails with SQLITE_FULL exactly as it does
 * when the disk is full. The log must refuse further appends, end at its last committed entry (so
 * replication never waits for offsets nothing can serve), keep serving reads, and reopen intact.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { type DurabilityPolicy, SqliteWriteLog, StoreError } from '@meridian/store';
import { afterEach, describe, expect, it } from 'vitest';

const everything = { entriesMax: 1_000_000, bytesMax: 1 << 30 };
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-disk-store-'));
  dirs.push(dir);
  return dir;
}

/** Caps the database at the pages it has now: the next commit that needs a page fails. */
function fillDisk(log: SqliteWriteLog): void {
  // The test reaches the log's connection on purpose: max_page_count is per connection, and the
  // log's EXCLUSIVE lock keeps any other connection out.
  const db = (log as unknown as { db: Database.Database }).db;
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`max_page_count = ${pages}`);
}

function bigEffects(n: number): string[][] {
  return [['SET', `big:${n}`, 'x'.repeat(64 * 1024)]];
}

function writeFailed(error: unknown): boolean {
  return (
    error instanceof StoreError &&
    error.code === 'MERIDIAN_STORE_WRITE_FAILED' &&
    /write log commit failed: database or disk is full/.test(error.message)
  );
}

async function committedLog(policy: DurabilityPolicy, dir: string, entries: number): Promise<SqliteWriteLog> {
  const log = SqliteWriteLog.open({ policy, dataDir: dir });
  for (let i = 1; i <= entries; i++) await log.append(i, [['SET', `k${i}`, `v${i}`]]).durable;
  log.flush();
  return log;
}

describe.each(['always', 'everysec'] as const)('a write log whose disk fills up (%s)', (policy) => {
  it('fails the batch with WRITE_FAILED, ends at the last commit, refuses appends, and reopens intact', async () => {
    const dir = freshDir();
    const log = await committedLog(policy, dir, 10);
    fillDisk(log);

    const failing = [log.append(11, bigEffects(11)), log.append(12, bigEffects(12))];
    expect(failing.map((result) => result.offset)).toEqual([11, 12]);
    if (policy === 'always') {
      // Nothing was acknowledged: each of the batch's appends learns that it failed.
      for (const { durable } of failing) await expect(durable).rejects.toSatisfy(writeFailed);
    } else {
      // everysec acknowledged at once (its documented window); the failure shows at the commit.
      await Promise.all(failing.map((result) => result.durable));
      expect(() => log.flush()).toThrow(StoreError);
    }

    expect(log.lastOffset()).toBe(10);
    expect(log.durableOffset()).toBe(10);
    const read = log.read(1, everything);
    expect(read.kind === 'entries' ? read.entries.map((entry) => entry.offset) : read).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(log.read(11, everything)).toEqual({ kind: 'entries', entries: [] });
    let refused: unknown;
    try {
      log.append(13, [['SET', 'small', 'v']]);
    } catch (error) {
      refused = error;
    }
    expect(writeFailed(refused)).toBe(true);
    expect(log.lastOffset()).toBe(10);
    // Closing reports the failure, and closes the database all the same.
    await expect(log.close()).rejects.toSatisfy(writeFailed);

    const reopened = SqliteWriteLog.open({ policy, dataDir: dir });
    expect(reopened.lastOffset()).toBe(10);
    const again = reopened.read(1, everything);
    expect(again.kind === 'entries' ? again.entries.at(-1)?.effects : again).toEqual([['SET', 'k10', 'v10']]);
    const next = reopened.append(11, [['SET', 'k11', 'v11']]);
    await next.durable;
    expect(next.offset).toBe(11);
    await reopened.close();
  });
});

describe('a replica write log whose disk fills up', () => {
  it('refuses appendAt after the failed commit and resumes from its last committed entry on reopen', async () => {
    const dir = freshDir();
    const log = SqliteWriteLog.open({ policy: 'always', dataDir: dir });
    for (let offset = 1; offset <= 5; offset++) await log.appendAt(offset, offset, [['INCR', 'n']]).durable;
    fillDisk(log);
    await expect(log.appendAt(6, 6, bigEffects(6)).durable).rejects.toSatisfy(writeFailed);
    expect(log.lastOffset()).toBe(5);
    expect(() => log.appendAt(6, 6, [['INCR', 'n']])).toThrow(StoreError);
    await log.close().catch(() => undefined);
    const reopened = SqliteWriteLog.open({ policy: 'always', dataDir: dir });
    expect(reopened.lastOffset()).toBe(5);
    await reopened.appendAt(6, 6, [['INCR', 'n']]).durable;
    expect(reopened.durableOffset()).toBe(6);
    await reopened.close();
  });
});
