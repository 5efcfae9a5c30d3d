import { type DurabilityPolicy, MemoryWriteLog, type SqliteWriteLog } from '@meridian/store';
import { emptySnapshotAt, openLog, tempDir } from './support.js';
import { writeLogContract } from './log-contract.js';

writeLogContract('MemoryWriteLog', () => {
  const log = new MemoryWriteLog();
  return Promise.resolve({ log, allowTruncationUpTo: () => Promise.resolve(), reopen: () => Promise.resolve(log) });
});

for (const policy of ['always', 'everysec', 'none'] as const satisfies readonly DurabilityPolicy[]) {
  writeLogContract(`SqliteWriteLog (${policy})`, () => {
    const dir = tempDir();
    let log: SqliteWriteLog = openLog(dir, { policy });
    return Promise.resolve({
      get log() {
        return log;
      },
      set log(value) {
        log = value as SqliteWriteLog;
      },
      allowTruncationUpTo: (offset: number) => emptySnapshotAt(log, offset),
      reopen: async () => {
        // Policy `none` keeps nothing across a close, by design: keep the same log open.
        if (policy === 'none') return log;
        await log.close();
        log = openLog(dir, { policy });
        return log;
      },
    });
  });
}
