import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Engine } from '@meridian/engine';
import { recoverEngine } from '@meridian/store';
import { describe, expect, it } from 'vitest';
import { openLog, tempDir } from './support.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const writerScript = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));

/** Runs the writer until it has acknowledged `ackedMin` offsets, then SIGKILLs it. */
function runAndKill(dataDir: string, ackedMin: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writerScript, dataDir], {
      cwd: root,
      env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.test.json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: number[] = [];
    let buffered = '';
    let errors = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) acked.push(Number(line));
      if (acked.length >= ackedMin && child.exitCode === null) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`writer exited with ${String(code)} before the kill: ${errors}`));
    });
  });
}

describe('crash safety', () => {
  it('keeps every acknowledged entry, intact, after SIGKILL mid-stream', async () => {
    const dataDir = tempDir();
    let expectedFloor = 0;
    for (const ackedMin of [150, 400]) {
      const acked = await runAndKill(dataDir, expectedFloor + ackedMin);
      const log = openLog(dataDir);
      expect(log.openReport.droppedTailEntries).toBe(0);
      expect(log.openReport.droppedIncompleteSnapshots).toBeLessThanOrEqual(1);
      const ackedMax = Math.max(...acked);
      expect(ackedMax).toBeGreaterThan(expectedFloor);
      expect(log.lastOffset()).toBeGreaterThanOrEqual(ackedMax);
      const engine = new Engine({ role: 'primary' });
      const report = recoverEngine(engine, log);
      expect(report.lastOffset).toBe(log.lastOffset());
      // Snapshots and retention ran in the writer, so recovery went through a snapshot.
      expect(report.snapshot).toBeDefined();
      expect(log.firstOffset()).toBeGreaterThan(1);
      for (const offset of acked) {
        const value = engine.execute(['GET', `key:${offset}`], 0).reply;
        expect(value).toBe(`value:${offset}:${'\u00e9'.repeat(offset % 300)}`);
      }
      // Nothing partial: every offset up to the end is present and nothing beyond it.
      for (let offset = 1; offset <= log.lastOffset(); offset++) expect(engine.db.data.has(`key:${offset}`)).toBe(true);
      expect(engine.db.data.size).toBe(log.lastOffset());
      expectedFloor = log.lastOffset();
      await log.close();
    }
  }, 120_000);
});
