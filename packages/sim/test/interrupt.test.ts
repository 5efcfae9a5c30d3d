import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { progressLine, renderReport, runStalenessExperiment } from '@meridian/sim';
import { quickOptions, topology } from './helpers.js';

const BIN = join(import.meta.dirname, '../../cli/bin/meridian.js');
const dir = mkdtempSync(join(tmpdir(), 'meridian-interrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an interrupted experiment', () => {
  it('stops at the next step and reports what it measured, marked partial; a whole run is not marked', async () => {
    const config = topology(3, '  delay: 30\n  jitter: { distribution: exponential, meanMs: 5 }');
    const interrupt = new AbortController();
    const seen: number[] = [];
    const options = quickOptions(config, (o) => {
      o.seed = 5;
      o.durationMs = 20_000;
      o.interrupt = interrupt.signal;
      o.progress = ({ simulatedMs, totalMs }) => {
        seen.push(simulatedMs / totalMs);
        // Ctrl-C once 40% of the run (warm-up included) has been simulated.
        if (simulatedMs / totalMs >= 0.4) interrupt.abort();
      };
    });
    const { summary } = await runStalenessExperiment(options);
    expect(summary.partial).toBeDefined();
    const partial = summary.partial as { measuredMs: number; plannedMs: number };
    expect(partial.plannedMs).toBe(20_000);
    // 40% of warm-up + workload (21 s) is 8.4 s: 7.4 s of workload, stopped within one 1% step (210 ms).
    expect(partial.measuredMs).toBeGreaterThanOrEqual(7_400);
    expect(partial.measuredMs).toBeLessThan(7_400 + 211);
    expect(Math.max(...seen)).toBeLessThan(0.42);
    expect(summary.config['durationMs']).toBe(partial.measuredMs);
    // About 50 writes/s over the measured part, not over the planned 20 s.
    expect(summary.totals.writes).toBeGreaterThan(250);
    expect(summary.totals.writes).toBeLessThan(500);
    expect(summary.regions['eu-west-1']?.lagMs.p50).toBeGreaterThan(0);
    expect(renderReport(summary)).toContain('PARTIAL: interrupted after 7.');

    const whole = await runStalenessExperiment(quickOptions(config, (o) => (o.seed = 5)));
    expect('partial' in whole.summary).toBe(false);
    expect(renderReport(whole.summary)).not.toContain('PARTIAL');
  });

  it('shows progress with simulated time, events per second and an ETA', () => {
    expect(progressLine('sim', { simulatedMs: 30_000, totalMs: 120_000, eventsRun: 82_400 }, 2_000)).toBe(
      'simulating [#####...............] 25% 30/120 s simulated, 41,200 events/s, ETA 6 s',
    );
    expect(progressLine('live', { simulatedMs: 15_000, totalMs: 15_000 }, 15_000)).toBe(
      'running live [####################] 100% 15/15 s',
    );
  });

  it('meridian experiment staleness: Ctrl-C writes the outputs so far, marked partial, and exits 130', async () => {
    const config = join(dir, 'regions.yaml');
    writeFileSync(
      config,
      `version: 1\nprimary: us-east-1\nregions:\n  - { name: us-east-1, location: { lat: 38.9, lon: -77.4 }, host: 127.0.0.1, port: 17911 }\n  - { name: eu-west-1, location: { lat: 53.3, lon: -6.3 }, host: 127.0.0.1, port: 17912 }\nrouter: { port: 17910 }\n`,
    );
    const out = join(dir, 'out');
    const child = spawn(
      process.execPath,
      [
        BIN,
        'experiment',
        'staleness',
        '--config',
        config,
        // 20 simulated minutes at a light load: long enough to interrupt, light enough to schedule.
        '--duration-ms',
        '1200000',
        '--writes-per-second',
        '50',
        '--reads-per-second',
        '200',
        '--progress',
        '--out',
        out,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const progressed = new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/simulating \[.*\] [1-9]\d*%/.test(stderr)) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await progressed;
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('interrupted: writing what was measured so far');
    expect(stderr).toMatch(/events\/s, ETA \d+ s/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      partial?: { measuredMs: number; plannedMs: number };
    };
    expect(summary.partial?.plannedMs).toBe(1_200_000);
    expect(summary.partial?.measuredMs).toBeLessThan(1_200_000);
    expect(summary.partial?.measuredMs).toBeGreaterThan(0);
    expect(stdout).toContain('PARTIAL: interrupted after');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('PARTIAL');
  }, 60_000);
});
