#!/usr/bin/env node
// Write-log throughput: SqliteWriteLog (policy `always` with 1, 16 and 256 concurrent writers, and
// `everysec`) next to a raw better-sqlite3 batched insert loop with the same pragmas and payloads,
// measured in the same run. Run after `npm run build`: node scripts/bench-store.mjs [durationMs]
// `benchStore()` returns the figures for `npm run bench`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { Packr } from 'msgpackr';
import { SqliteWriteLog } from '../packages/store/dist/index.js';

const value = 'v'.repeat(100);
const effectsFor = (i) => [
  ['SET', `key:${i}`, value],
  ['PEXPIREAT', `key:${i}`, String(1_700_000_000_000 + i)],
];
const yieldTurn = () => new Promise((resolve) => setImmediate(resolve));

function withDir(run) {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-'));
  return Promise.resolve(run(dir)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** `writers` loops, each appending and awaiting `durable`, for `durationMs`. */
async function benchAlways(writers, durationMs) {
  return withDir(async (dataDir) => {
    const log = SqliteWriteLog.open({ policy: 'always', dataDir });
    const endMs = performance.now() + durationMs;
    const startMs = performance.now();
    const writer = async () => {
      while (performance.now() < endMs) await log.append(Date.now(), effectsFor(log.lastOffset() + 1)).durable;
    };
    await Promise.all(Array.from({ length: writers }, writer));
    const elapsedS = (performance.now() - startMs) / 1000;
    const { committedEntries, commits } = log.stats();
    await log.close();
    return { entriesPerS: committedEntries / elapsedS, entriesPerCommit: committedEntries / Math.max(commits, 1) };
  });
}

/** `everysec`: appends resolve at once; the loop yields a turn every `turnEntries` like a busy server. */
async function benchEverysec(durationMs, turnEntries = 256) {
  return withDir(async (dataDir) => {
    const log = SqliteWriteLog.open({ policy: 'everysec', dataDir });
    const startMs = performance.now();
    let count = 0;
    while (performance.now() - startMs < durationMs) {
      for (let i = 0; i < turnEntries; i++) await log.append(Date.now(), effectsFor(log.lastOffset() + 1)).durable;
      count += turnEntries;
      await yieldTurn();
    }
    log.flush();
    const elapsedS = (performance.now() - startMs) / 1000;
    const { committedEntries, commits } = log.stats();
    await log.close();
    return { entriesPerS: count / elapsedS, entriesPerCommit: committedEntries / Math.max(commits, 1) };
  });
}

/** The floor to compare with: plain better-sqlite3 inserts of the same rows, `batch` per transaction. */
async function benchRaw(batch, synchronous, durationMs) {
  return withDir((dir) => {
    const db = new Database(join(dir, 'raw.db'));
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.exec(
      'CREATE TABLE entries (offset INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, payload BLOB NOT NULL, crc32 INTEGER NOT NULL)',
    );
    const insert = db.prepare('INSERT INTO entries VALUES (?, ?, ?, ?)');
    const packr = new Packr({ useRecords: false });
    let offset = 0;
    const commit = db.transaction((count) => {
      for (let i = 0; i < count; i++) {
        offset += 1;
        const payload = packr.pack(effectsFor(offset));
        insert.run(offset, Date.now(), payload, crc32(payload));
      }
    });
    const startMs = performance.now();
    while (performance.now() - startMs < durationMs) commit(batch);
    const elapsedS = (performance.now() - startMs) / 1000;
    db.close();
    return { entriesPerS: offset / elapsedS, entriesPerCommit: batch };
  });
}

/** Runs every case for `durationMs` each; returns entries/s, entries per commit and ratio to raw. */
export async function benchStore({ durationMs = 2000 } = {}) {
  const cases = {};
  for (const writers of [1, 16, 256]) {
    const store = await benchAlways(writers, durationMs);
    const raw = await benchRaw(writers, 'FULL', durationMs);
    cases[`always_${writers}_writers`] = {
      ...store,
      rawEntriesPerS: raw.entriesPerS,
      ratioToRaw: store.entriesPerS / raw.entriesPerS,
    };
  }
  const everysec = await benchEverysec(durationMs);
  const raw = await benchRaw(256, 'NORMAL', durationMs);
  cases.everysec = { ...everysec, rawEntriesPerS: raw.entriesPerS, ratioToRaw: everysec.entriesPerS / raw.entriesPerS };
  return cases;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const durationMs = Number(process.argv[2] ?? 2000);
  const figures = await benchStore({ durationMs });
  console.log('case                  entries/s   per commit   raw entries/s   store/raw');
  for (const [name, f] of Object.entries(figures)) {
    console.log(
      `${name.padEnd(20)} ${f.entriesPerS.toFixed(0).padStart(10)} ${f.entriesPerCommit.toFixed(1).padStart(12)} ${f.rawEntriesPerS.toFixed(0).padStart(15)} ${f.ratioToRaw.toFixed(2).padStart(11)}`,
    );
  }
  console.log(JSON.stringify(figures));
}
