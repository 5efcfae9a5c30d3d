import { ExperimentConfigError, type ExperimentOptions } from './options.js';
import type { ExperimentSummary } from './summary.js';
import { chart, escapeXml, PALETTE } from './svg.js';

/**
 * Prices for the cost experiment (`meridian experiment cost --pricing <file>`): per-request pricing as
 * the seed article gives Upstash's pay-as-you-go (2026), against fixed monthly instances per region.
 */
export interface Pricing {
  payAsYouGo: {
    /** Dollars per 100,000 billed commands. */
    perHundredThousandCommands: number;
    perGbMonth: number;
    freeCommandsPerDay: number;
    freeGb: number;
    /** A global database bills each write once more in every read region (replication counted as commands). */
    replicatedWritesBilledPerRegion: boolean;
    /** Storage is billed once per region holding the data. */
    storageBilledPerRegion: boolean;
  };
  fixed: {
    /** What the fixed price buys, for the report (e.g. an instance type). */
    name: string;
    /** Dollars per instance per month. */
    perInstanceMonth: number;
    /** Instances in each region (a primary region and each replica region alike). */
    instancesPerRegion: number;
  };
  daysPerMonth: number;
}

export const DEFAULT_PRICING: Pricing = {
  payAsYouGo: {
    perHundredThousandCommands: 0.2,
    perGbMonth: 0.25,
    freeCommandsPerDay: 10_000,
    freeGb: 0.256,
    replicatedWritesBilledPerRegion: true,
    storageBilledPerRegion: true,
  },
  fixed: {
    name: 'a small managed Redis instance (about $0.15/h on demand)',
    perInstanceMonth: 109,
    instancesPerRegion: 1,
  },
  daysPerMonth: 30,
};

/** The article's crossover: 50–100 million commands a month. */
export const ARTICLE_CROSSOVER = [50e6, 100e6] as const;

function field(value: unknown, path: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new ExperimentConfigError(path, `must be a number ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function flag(value: unknown, path: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new ExperimentConfigError(path, `must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function section(value: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ExperimentConfigError(path, 'must be an object');
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key))
      throw new ExperimentConfigError(`${path}.${key}`, `unknown field (known: ${keys.join(', ')})`);
  }
  return value as Record<string, unknown>;
}

/** Reads a pricing file (JSON); every field is optional and defaults to DEFAULT_PRICING. Errors name the field. */
export function parsePricing(text: string, source = 'pricing.json'): Pricing {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ExperimentConfigError(source, `is not JSON: ${(error as Error).message}`);
  }
  const root = section(raw, 'pricing', ['payAsYouGo', 'fixed', 'daysPerMonth', '$comment']);
  const d = DEFAULT_PRICING;
  const payg = section(root['payAsYouGo'], 'pricing.payAsYouGo', Object.keys(d.payAsYouGo));
  const fixed = section(root['fixed'], 'pricing.fixed', Object.keys(d.fixed));
  const name = fixed['name'] ?? d.fixed.name;
  if (typeof name !== 'string') throw new ExperimentConfigError('pricing.fixed.name', 'must be a string');
  return {
    payAsYouGo: {
      perHundredThousandCommands: field(
        payg['perHundredThousandCommands'],
        'pricing.payAsYouGo.perHundredThousandCommands',
        d.payAsYouGo.perHundredThousandCommands,
      ),
      perGbMonth: field(payg['perGbMonth'], 'pricing.payAsYouGo.perGbMonth', d.payAsYouGo.perGbMonth),
      freeCommandsPerDay: field(
        payg['freeCommandsPerDay'],
        'pricing.payAsYouGo.freeCommandsPerDay',
        d.payAsYouGo.freeCommandsPerDay,
      ),
      freeGb: field(payg['freeGb'], 'pricing.payAsYouGo.freeGb', d.payAsYouGo.freeGb),
      replicatedWritesBilledPerRegion: flag(
        payg['replicatedWritesBilledPerRegion'],
        'pricing.payAsYouGo.replicatedWritesBilledPerRegion',
        d.payAsYouGo.replicatedWritesBilledPerRegion,
      ),
      storageBilledPerRegion: flag(
        payg['storageBilledPerRegion'],
        'pricing.payAsYouGo.storageBilledPerRegion',
        d.payAsYouGo.storageBilledPerRegion,
      ),
    },
    fixed: {
      name,
      perInstanceMonth: field(fixed['perInstanceMonth'], 'pricing.fixed.perInstanceMonth', d.fixed.perInstanceMonth),
      instancesPerRegion: field(
        fixed['instancesPerRegion'],
        'pricing.fixed.instancesPerRegion',
        d.fixed.instancesPerRegion,
        1,
      ),
    },
    daysPerMonth: field(root['daysPerMonth'], 'pricing.daysPerMonth', d.daysPerMonth, 1),
  };
}

export interface CostPoint {
  /** Commands clients send per month (the workload's mix, scaled). */
  commandsPerMonth: number;
  payAsYouGo: number;
  fixed: number;
}

export interface CostReport {
  experiment: 'cost';
  seed: number;
  pricing: Pricing;
  workload: {
    regions: number;
    measuredSeconds: number;
    writes: number;
    reads: number;
    publishes: number;
    /** Commands clients send per month at the simulated rates. */
    commandsPerMonth: number;
    /** Commands billed per command sent (replicated writes and PUBLISHes counted per region when so priced). */
    billedPerCommand: number;
    datasetGb: number;
  };
  atWorkload: { billedCommandsPerMonth: number; payAsYouGo: number; storage: number; fixed: number; cheaper: string };
  /** Commands sent per month at which both cost the same; null when pay-as-you-go is never dearer. */
  crossoverCommandsPerMonth: number | null;
  crossoverBilledCommandsPerMonth: number | null;
  article: { crossoverCommandsPerMonth: readonly [number, number]; agrees: boolean; why: string };
  curve: CostPoint[];
}

/** Bytes a key of the workload takes in Redis-like storage: key, value and about 50 bytes of overhead. */
const KEY_OVERHEAD_BYTES = 50;

/**
 * Prices the simulated workload, scaled to a month, under both models, and finds the crossover by
 * scaling the same command mix (pay-as-you-go grows with traffic; fixed instances do not).
 */
export function costOf(summary: ExperimentSummary, options: ExperimentOptions, pricing: Pricing): CostReport {
  const regions = options.topology.regions.length;
  const replicas = regions - 1;
  const seconds = Math.max(1e-3, Number(summary.config['durationMs'] ?? options.durationMs) / 1000);
  const { writes, reads, publishes } = summary.totals;
  const secondsPerMonth = pricing.daysPerMonth * 86_400;
  const sent = writes + reads + publishes;
  const commandsPerMonth = (sent / seconds) * secondsPerMonth;
  const { payAsYouGo: payg, fixed } = pricing;
  const replicated = payg.replicatedWritesBilledPerRegion ? replicas : 0;
  const billed = reads + (writes + publishes) * (1 + replicated);
  const billedPerCommand = sent > 0 ? billed / sent : 1;
  const workload = options.workload;
  const valueBytes = (workload.valueBytesMin + workload.valueBytesMax) / 2;
  const datasetGb = (workload.keyCount * (valueBytes + 16 + KEY_OVERHEAD_BYTES)) / 1e9;
  const storedGb = datasetGb * (payg.storageBilledPerRegion ? regions : 1);
  const storage = Math.max(0, storedGb - payg.freeGb) * payg.perGbMonth;
  const price = payg.perHundredThousandCommands / 100_000;
  const free = payg.freeCommandsPerDay * pricing.daysPerMonth;
  const fixedTotal = fixed.perInstanceMonth * fixed.instancesPerRegion * regions;
  const paygAt = (perMonth: number): number => Math.max(0, perMonth * billedPerCommand - free) * price + storage;
  const crossoverBilled = fixedTotal > storage && price > 0 ? (fixedTotal - storage) / price + free : null;
  const crossover = crossoverBilled === null ? null : crossoverBilled / billedPerCommand;
  const [low, high] = ARTICLE_CROSSOVER;
  const agrees = crossover !== null && crossover >= low && crossover <= high;
  const single = (fixed.perInstanceMonth * fixed.instancesPerRegion) / price + free;
  const why =
    crossover === null
      ? 'with these prices pay-as-you-go never costs more than the fixed instances'
      : `${regions} region(s) × ${fixed.instancesPerRegion} instance(s) at $${fixed.perInstanceMonth}/month is $${round(fixedTotal)}/month, ` +
        `which pay-as-you-go reaches at ${millions(crossoverBilled ?? 0)} M billed commands; this workload bills ${round(billedPerCommand, 3)} ` +
        `commands per command sent (${payg.replicatedWritesBilledPerRegion ? `each write and PUBLISH once more in each of ${replicas} replica region(s)` : 'replication not billed'}), ` +
        `so the crossover is ${millions(crossover)} M commands sent a month. One fixed instance in one region alone crosses at ` +
        `${millions(single)} M: the article's 50–100 M is the single-region case; every replica region adds an instance to the fixed side ` +
        `and billed replication to the other.`;
  // The chart spans the crossover and the article's range; a workload far beyond is named, not plotted.
  const top = Math.max(crossover ?? 0, high) * 3;
  const curve: CostPoint[] = [];
  for (let i = 0; i <= 60; i++) {
    const perMonth = (top * i) / 60;
    curve.push({
      commandsPerMonth: Math.round(perMonth),
      payAsYouGo: round(paygAt(perMonth)),
      fixed: round(fixedTotal),
    });
  }
  const atPayg = paygAt(commandsPerMonth);
  return {
    experiment: 'cost',
    seed: summary.seed,
    pricing,
    workload: {
      regions,
      measuredSeconds: round(seconds, 3),
      writes,
      reads,
      publishes,
      commandsPerMonth: Math.round(commandsPerMonth),
      billedPerCommand: round(billedPerCommand, 4),
      datasetGb: round(datasetGb, 6),
    },
    atWorkload: {
      billedCommandsPerMonth: Math.round(commandsPerMonth * billedPerCommand),
      payAsYouGo: round(atPayg),
      storage: round(storage),
      fixed: round(fixedTotal),
      cheaper: atPayg <= fixedTotal ? 'pay-as-you-go' : 'fixed instances',
    },
    crossoverCommandsPerMonth: crossover === null ? null : Math.round(crossover),
    crossoverBilledCommandsPerMonth: crossoverBilled === null ? null : Math.round(crossoverBilled),
    article: { crossoverCommandsPerMonth: ARTICLE_CROSSOVER, agrees, why },
    curve,
  };
}

function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function millions(value: number): string {
  return (value / 1e6).toFixed(1);
}

/** The curve as CSV: commands per month, pay-as-you-go and fixed dollars per month. */
export function costCsv(report: CostReport): string {
  const rows = report.curve.map((point) => `${point.commandsPerMonth},${point.payAsYouGo},${point.fixed}`);
  return `commands_per_month,pay_as_you_go_usd,fixed_usd\n${rows.join('\n')}\n`;
}

/** The lines `meridian experiment cost` prints. */
export function costLines(report: CostReport): string[] {
  const { workload, atWorkload } = report;
  const crossover = report.crossoverCommandsPerMonth;
  return [
    `seed ${report.seed}: ${workload.writes} writes, ${workload.reads} reads, ${workload.publishes} publishes in ${workload.measuredSeconds} s over ${workload.regions} regions → ${millions(workload.commandsPerMonth)} M commands a month (${millions(atWorkload.billedCommandsPerMonth)} M billed)`,
    `pay-as-you-go: $${atWorkload.payAsYouGo}/month (storage $${atWorkload.storage}); fixed instances: $${atWorkload.fixed}/month → ${atWorkload.cheaper} is cheaper`,
    crossover === null
      ? 'crossover: none (pay-as-you-go is never dearer with these prices)'
      : `crossover: ${millions(crossover)} M commands a month (article: 50–100 M; ${report.article.agrees ? 'agrees' : 'differs'})`,
    report.article.why,
  ];
}

/** cost.html: the figures, the chart of cost against traffic, the crossover and the article's range. */
export function costHtml(report: CostReport): string {
  const toMillions = (points: readonly CostPoint[], pick: (point: CostPoint) => number): [number, number][] =>
    points.map((point) => [point.commandsPerMonth / 1e6, pick(point)]);
  const last = report.curve.at(-1)?.commandsPerMonth ?? 0;
  const onChart = report.workload.commandsPerMonth <= last;
  const svg = chart({
    title: 'Monthly cost against traffic (this workload’s command mix)',
    xLabel: 'million commands sent per month',
    yLabel: 'US$ per month',
    series: [
      { name: 'pay-as-you-go', points: toMillions(report.curve, (p) => p.payAsYouGo), color: PALETTE[0] as string },
      { name: 'fixed instances', points: toMillions(report.curve, (p) => p.fixed), color: PALETTE[1] as string },
      ...(onChart
        ? [
            {
              name: 'this workload',
              points: [[report.workload.commandsPerMonth / 1e6, report.atWorkload.payAsYouGo] as const],
              color: PALETTE[2] as string,
              markers: true,
            },
          ]
        : []),
    ],
    bands: [
      {
        fromX: ARTICLE_CROSSOVER[0] / 1e6,
        toX: ARTICLE_CROSSOVER[1] / 1e6,
        label: 'article: 50–100 M',
      },
    ],
  });
  const offChart = onChart
    ? []
    : [
        `This workload (${millions(report.workload.commandsPerMonth)} M commands a month) is beyond the chart, to the right.`,
      ];
  const lines = [...costLines(report), ...offChart].map((line) => `<p>${escapeXml(line)}</p>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Meridian cost experiment (seed ${report.seed})</title>
<style>body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em}svg{max-width:100%;height:auto}</style>
</head><body>
<h1>Meridian cost experiment</h1>
${lines}
${svg}
<h2>Prices</h2>
<pre style="white-space:pre-wrap">${escapeXml(JSON.stringify(report.pricing, null, 2))}</pre>
</body></html>
`;
}
