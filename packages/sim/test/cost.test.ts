import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  costOf,
  costHtml,
  DEFAULT_PRICING,
  type ExperimentSummary,
  parsePricing,
  registerExperimentCommand,
  runStalenessExperiment,
} from '@meridian/sim';
import { quickOptions, topology } from './helpers.js';

let dir = '';
afterEach(async () => {
  vi.restoreAllMocks();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('the cost experiment', () => {
  it('prices the simulated month both ways and finds the crossover where they cost the same', async () => {
    const config = topology(4, '  delay: 20');
    const options = quickOptions(config, (o) => {
      o.seed = 9;
      o.workload.publishesPerSecond = 0;
    });
    const { summary } = await runStalenessExperiment(options);
    const report = costOf(summary, options, DEFAULT_PRICING);
    const { writes, reads } = summary.totals;
    // Three replica regions: each write is billed once at the primary and once more in each of them.
    expect(report.workload.billedPerCommand).toBeCloseTo((reads + writes * 4) / (reads + writes), 3);
    const perMonth = ((writes + reads) / 5) * 30 * 86_400;
    expect(report.workload.commandsPerMonth).toBe(Math.round(perMonth));
    expect(report.atWorkload.fixed).toBe(4 * 109);
    // At the crossover pay-as-you-go costs what the fixed instances cost.
    const crossover = report.crossoverCommandsPerMonth as number;
    const billed = crossover * report.workload.billedPerCommand - 10_000 * 30;
    expect((billed * 0.2) / 100_000 + report.atWorkload.storage).toBeCloseTo(436, 0);
    // The curve starts free and crosses the fixed line once, near the crossover.
    expect(report.curve[0]?.payAsYouGo).toBe(report.atWorkload.storage);
    const crossing = report.curve.findIndex((point) => point.payAsYouGo > point.fixed);
    expect(report.curve[crossing]?.commandsPerMonth).toBeGreaterThan(crossover);
    expect(report.curve[crossing - 1]?.commandsPerMonth).toBeLessThanOrEqual(crossover);
    // One region, one instance: the article's single-region figure, inside its 50–100 M.
    expect(report.article.why).toContain('One fixed instance in one region alone crosses at 54.8 M');
    expect(report.article.agrees).toBe(false);
    expect(costHtml(report)).toContain('<svg');
  });

  it('agrees with the article for one region, and never crosses when fixed is free', () => {
    const config = topology(1, '  delay: 20');
    const options = quickOptions(config);
    const summary = {
      seed: 1,
      config: { durationMs: 10_000 },
      totals: { writes: 1_000, reads: 9_000, publishes: 0 },
    } as unknown as ExperimentSummary;
    const single = costOf(summary, options, DEFAULT_PRICING);
    expect(single.workload.billedPerCommand).toBe(1);
    expect(single.crossoverCommandsPerMonth).toBe(109 / (0.2 / 100_000) + 300_000);
    expect(single.article.agrees).toBe(true);
    const free = parsePricing(JSON.stringify({ fixed: { perInstanceMonth: 0 } }));
    expect(costOf(summary, options, free).crossoverCommandsPerMonth).toBeNull();
  });

  it('reads a pricing file, every field optional, errors naming the field', () => {
    expect(parsePricing('{}')).toEqual(DEFAULT_PRICING);
    expect(parsePricing(readFileSync(new URL('../../../pricing.json', import.meta.url), 'utf8'))).toEqual(
      DEFAULT_PRICING,
    );
    const custom = parsePricing(JSON.stringify({ payAsYouGo: { perHundredThousandCommands: 0.4 }, daysPerMonth: 31 }));
    expect(custom.payAsYouGo.perHundredThousandCommands).toBe(0.4);
    expect(custom.daysPerMonth).toBe(31);
    expect(() => parsePricing('{"fixed":{"perInstanceMonth":-1}}')).toThrow('pricing.fixed.perInstanceMonth');
    expect(() => parsePricing('{"fixed":{"instancesPerRegion":0}}')).toThrow('pricing.fixed.instancesPerRegion');
    expect(() => parsePricing('{"payAsYouGo":{"perGB":1}}')).toThrow('pricing.payAsYouGo.perGB: unknown field');
    expect(() => parsePricing('{"payAsYouGo":{"storageBilledPerRegion":"yes"}}')).toThrow('must be true or false');
    expect(() => parsePricing('nope', 'p.json')).toThrow('p.json: is not JSON');
  });

  it('meridian experiment cost writes cost.json, cost.csv and cost.html and prints the verdict', async () => {
    dir = await mkdtemp(join(tmpdir(), 'meridian-cost-'));
    const printed: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((text: unknown) => void printed.push(String(text)));
    const program = new Command().exitOverride();
    registerExperimentCommand(program);
    const out = join(dir, 'out');
    await program.parseAsync(
      [
        'experiment',
        'cost',
        '--duration-ms',
        '2000',
        '--writes-per-second',
        '5',
        '--reads-per-second',
        '50',
        '--out',
        out,
      ],
      { from: 'user' },
    );
    const report = JSON.parse(await readFile(join(out, 'cost.json'), 'utf8')) as { experiment: string };
    expect(report.experiment).toBe('cost');
    expect((await readFile(join(out, 'cost.csv'), 'utf8')).split('\n')[0]).toBe(
      'commands_per_month,pay_as_you_go_usd,fixed_usd',
    );
    expect(await readFile(join(out, 'cost.html'), 'utf8')).toContain('Monthly cost against traffic');
    expect(printed.join('\n')).toMatch(/crossover: \d+\.\d M commands a month/);
  });
});
