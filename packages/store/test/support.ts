import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '@meridian/engine';
import { SqliteWriteLog, type SqliteWriteLogOptions } from '@meridian/store';
import { afterAll } from 'vitest';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the OS temp dir, removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-store-'));
  made.push(dir);
  return dir;
}

export function openLog(dataDir: string, options: Partial<SqliteWriteLogOptions> = {}): SqliteWriteLog {
  return SqliteWriteLog.open({ policy: 'always', dataDir, ...options });
}

/** An empty keyspace snapshot at `offset`, so the log may be truncated up to it. */
export async function emptySnapshotAt(log: SqliteWriteLog, offset: number): Promise<void> {
  await log.writeSnapshot(new Engine({ role: 'primary' }).db, { offset, timeMs: 0 });
}
