import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ExperimentResult,
  parseFaultSchedule,
  runStalenessExperiment,
  writeExperimentOutputs,
} from '@meridian/sim';
import { quickOptions, topology } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
let outDir = '';
let result: ExperimentResult;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'meridian-sim-report-'));
  const config = topology(3, '  delay: geo\n  jitter: { distribution: exponential, meanMs: 4 }');
  const options = quickOptions(config, (o) => {
    o.faults = parseFaultSchedule(
      '- { kind: partition, atMs: 1500, durationMs: 1000, regions: [us-east-1, eu-west-1] }',
      config.regions.map((r) => r.name),
    );
  });
  result = await runStalenessExperiment(options);
  await writeExperimentOutputs(result, outDir);
});

afterAll(async () => {
  if (outDir !== '') await rm(outDir, { recursive: true, force: true });
});

describe('experiment outputs', () => {
  it('writes summary.json with the fields DESIGN.md pins, the CSV files and report.html', async () => {
    const summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as typeof result.summary;
    expect(summary).toEqual(result.summary);
    for (const name of ['us-east-1', 'eu-west-1', 'ap-southeast-1']) {
      const region = summary.regions[name];
      expect(Object.keys(region?.lagMs ?? {}).sort()).toEqual(['max', 'p50', 'p90', 'p99', 'p999']);
      expect(region?.tVisibility.length).toBeGreaterThan(10);
      for (const point of region?.tVisibility ?? [])
        expect(Object.keys(point).sort()).toEqual(['measured', 'predicted', 'predictedIdleLink', 'tMs']);
    }
    const visibility = await readFile(join(outDir, 't-visibility.csv'), 'utf8');
    expect(visibility.split('\n')[0]).toBe('region,tMs,measured,predicted,predictedIdleLink');
    const reads = await readFile(join(outDir, 'reads.csv'), 'utf8');
    expect(reads).toMatch(/^eu-west-1,session,\d+,/m);
    for (const file of ['lag.csv', 'lag-over-time.csv', 'writes.csv', 'faults.csv'])
      expect(existsSync(join(outDir, file)), file).toBe(true);
    const html = await readFile(join(outDir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});

describe.runIf(existsSync(CHROMIUM) || process.env['MERIDIAN_REQUIRE_BROWSER'] === '1')(
  'report.html in headless Chromium',
  () => {
    it('renders every chart as SVG without console errors', async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') errors.push(message.text());
        });
        page.on('pageerror', (error) => errors.push(error.message));
        await page.goto(pathToFileURL(join(outDir, 'report.html')).href);
        // 2 t-visibility + 2 histograms + lag over time + latency vs staleness.
        expect(await page.locator('svg.chart').count()).toBe(6);
        expect(await page.locator('svg.chart path.series').count()).toBeGreaterThanOrEqual(2 * 3 + 2);
        expect(await page.locator('svg.chart rect.bar').count()).toBeGreaterThan(10);
        expect(await page.locator('svg.chart rect.fault').count()).toBe(1);
        expect(await page.locator('svg.chart circle.marker').count()).toBe(8);
        const box = await page.locator('svg.chart').first().boundingBox();
        expect(box?.width).toBeGreaterThan(300);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  },
);
