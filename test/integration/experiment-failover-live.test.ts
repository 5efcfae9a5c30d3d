/**
 * `meridian experiment failover --mode live`: the five-region default launched on free ports with
 * automatic failover, the primary's process stopped (SIGSTOP) under write load, measured and checked.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../packages/cli/bin/meridian.js', import.meta.url));
const CONFIG = fileURLToPath(new URL('../../regions.yaml', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'meridian-failover-live-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('meridian experiment failover --mode live', () => {
  it('stops the primary under load: another region is elected, no majority write is lost, the regions converge', async () => {
    const printed = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          BIN,
          'experiment',
          'failover',
          '--mode',
          'live',
          '--faults',
          'pause',
          '--fault-ms',
          '5000',
          '--config',
          CONFIG,
          '--out',
          out,
        ],
        { env: { ...process.env, MERIDIAN_LOG_FORMAT: 'json' }, timeout: 120_000 },
        (error, stdout, stderr) =>
          error === null ? resolve(stdout) : reject(new Error(`${error.message}\n${stdout}\n${stderr}`)),
      );
    });
    expect(printed).toMatch(/^pause\s+\d+ ms\s+\d+ ms\s+yes\s+\d+ of \d+\s+0 of \d+\s+pass$/m);
    const report = JSON.parse(readFileSync(join(out, 'failover-live.json'), 'utf8')) as {
      faults: {
        fault: string;
        failedOver: boolean;
        detectMs?: number;
        lostMajority: number;
        acknowledgedMajority: number;
        violations: number;
      }[];
    };
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('live processes');
    const [pause] = report.faults;
    expect(pause?.fault).toBe('pause');
    expect(pause?.failedOver).toBe(true);
    expect(pause?.detectMs).toBeDefined();
    expect(pause?.acknowledgedMajority).toBeGreaterThan(0);
    expect(pause?.lostMajority).toBe(0);
    expect(pause?.violations).toBe(0);
  }, 150_000);
});
