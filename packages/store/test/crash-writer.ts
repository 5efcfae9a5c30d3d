/**
 * Child process for the crash test: appends entries with policy `always` from several concurrent
 * writers (and takes snapshots now and then), printing each offset once it is durable, until it is
 * killed. Entry n sets `key:n` to `value:n`, so the parent can check every acknowledged entry.
 * Usage: node --import tsx crash-writer.ts <dataDir>
 */
import { Engine } from '@meridian/engine';
import { recoverEngine, SqliteWriteLog } from '@meridian/store';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: crash-writer.ts <dataDir>');
const log = SqliteWriteLog.open({
  policy: 'always',
  dataDir,
  snapshotChunkEntriesMax: 16,
  snapshotsKeep: 2,
  retention: { entriesMax: 50 },
});
const engine = new Engine({ role: 'primary' });
recoverEngine(engine, log);

function writeOne(): Promise<void> {
  const offset = log.lastOffset() + 1;
  const { effects } = engine.execute(
    ['SET', `key:${offset}`, `value:${offset}:${'\u00e9'.repeat(offset % 300)}`],
    1_700_000_000_000 + offset,
  );
  const appended = log.append(1_700_000_000_000 + offset, effects);
  if (appended.offset !== offset) throw new Error(`offset ${appended.offset} != ${offset}`);
  if (offset % 97 === 0) void log.writeSnapshot(engine.db, { offset, timeMs: 1_700_000_000_000 + offset });
  return appended.durable.then(() => {
    process.stdout.write(`${offset}\n`);
  });
}

async function writer(): Promise<void> {
  for (;;) await writeOne();
}

for (let i = 0; i < 8; i++) void writer();
