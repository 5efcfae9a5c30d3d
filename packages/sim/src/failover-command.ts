import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseTopology, type TopologyConfig } from '@meridian/topology';
import type { ExperimentCommandHooks, ExperimentPlugin } from './cli-command.js';
import { flagNumber } from './cli-command.js';
import { type FailoverRunResult, type FaultKind, runFailoverSimulation } from './failover/run.js';
import { LIVE_FAILOVER_FAULTS, type LiveFailoverFault, runLiveFailover } from './failover-live.js';
import { ExperimentUnavailableError } from './experiment-errors.js';

interface FailoverFlags {
  mode: string;
  faults?: string;
  faultMs?: number;
  config?: string;
  seed?: number;
  seeds?: number;
  out: string;
  durationMs?: number;
}

/** The faults the experiment measures one at a time, each at the primary. */
export const MEASURED_FAULTS: readonly FaultKind[] = [
  'crash',
  'pause',
  'isolate',
  'asymmetric-out',
  'asymmetric-in',
  'split',
];

export interface FailoverReportRow {
  readonly fault: FaultKind;
  readonly region: string;
  readonly detectMs: number | undefined;
  readonly unwritableMs: number | undefined;
  readonly failedOver: boolean;
  readonly lostNone: number;
  readonly acknowledgedNone: number;
  readonly lostMajority: number;
  readonly acknowledgedMajority: number;
  readonly violations: number;
}

/** One run per fault kind: the fault hits the primary 4 s in and lasts 8 s; the checkers run over each. */
export function measureFailover(
  config: TopologyConfig,
  seed: number,
): { rows: FailoverReportRow[]; runs: FailoverRunResult[] } {
  const runs = MEASURED_FAULTS.map((kind) =>
    runFailoverSimulation({
      seed,
      config,
      durationMs: 26_000,
      faults: [{ kind, startMs: 4_000, durationMs: 8_000, atPrimary: true }],
    }),
  );
  const rows = runs.map((run, index) => {
    const fault = run.faults[0];
    return {
      fault: MEASURED_FAULTS[index] as FaultKind,
      region: fault?.region ?? '',
      detectMs: fault?.detectMs,
      unwritableMs: fault?.unwritableMs,
      failedOver: fault?.failedOver ?? false,
      lostNone: run.writes.none.lost,
      acknowledgedNone: run.writes.none.acknowledged,
      lostMajority: run.writes.majority.lost,
      acknowledgedMajority: run.writes.majority.acknowledged,
      violations: run.violations.length,
    };
  });
  return { rows, runs };
}

const ms = (value: number | undefined): string => (value === undefined ? '—' : `${Math.round(value)} ms`);

export function failoverTable(rows: readonly FailoverReportRow[]): string[] {
  const header = [
    'fault at the primary',
    'detected after',
    'longest without writes',
    'new epoch',
    'lost (none)',
    'lost (majority)',
    'checkers',
  ];
  const body = rows.map((row) => [
    row.fault,
    ms(row.detectMs),
    ms(row.unwritableMs),
    row.failedOver ? 'yes' : 'no',
    `${row.lostNone} of ${row.acknowledgedNone}`,
    `${row.lostMajority} of ${row.acknowledgedMajority}`,
    row.violations === 0 ? 'pass' : `${row.violations} violations`,
  ]);
  const widths = header.map((cell, i) => Math.max(cell.length, ...body.map((row) => (row[i] as string).length)));
  return [header, ...body].map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd(),
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

export function failoverHtml(
  rows: readonly FailoverReportRow[],
  seeds: { runs: number; failing: FailoverRunResult[] } | undefined,
  mode: 'sim' | 'live' = 'sim',
): string {
  const lines = failoverTable(rows);
  const [head, ...body] = lines.map((line) => line.split(/\s{2,}/));
  const cells = (row: string[], tag: string): string =>
    `<tr>${row.map((cell) => `<${tag}>${escapeHtml(cell)}</${tag}>`).join('')}</tr>`;
  const seedText =
    seeds === undefined
      ? ''
      : `<h2>Random faults</h2><p>${seeds.runs} seeds, ${seeds.failing.length} failing.</p>${seeds.failing
          .map((run) => `<p><code>${escapeHtml(run.replay)}</code>: ${escapeHtml(run.violations[0]?.detail ?? '')}</p>`)
          .join('')}`;
  return `<!doctype html><meta charset="utf-8"><title>Meridian failover</title>
<style>body{font:14px system-ui;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}</style>
<h1>Failover, per fault (${mode === 'sim' ? 'simulated' : 'live processes: crash = SIGKILL, pause = SIGSTOP'})</h1>
<p>Each fault hits the primary 4 s into the run and lasts 8 s. Writes are acknowledged by the primary alone (<code>none</code>) or by a majority (<code>majority</code>); the checkers are one primary per epoch and per instant, no majority write lost, strong reads linearizable, session reads, converged digests.</p>
<table>${cells(head ?? [], 'th')}${body.map((row) => cells(row, 'td')).join('')}</table>${seedText}
`;
}

/** `meridian experiment failover`: what each fault at the primary costs, and the checkers over random faults. */
export const failoverExperiment: ExperimentPlugin = {
  name: 'failover',
  register: (experiment, hooks) => registerFailover(experiment, hooks),
};

function registerFailover(experiment: Command, hooks: ExperimentCommandHooks): void {
  experiment
    .command('failover')
    .description('measure automatic failover per fault at the primary, and check it over random faults (simulated)')
    .option(
      '--mode <mode>',
      'sim (virtual time, every fault) or live (real processes: crash = SIGKILL, pause = SIGSTOP)',
      'sim',
    )
    .option('--faults <list>', 'live: which faults, comma-separated (crash,pause)', 'crash,pause')
    .option(
      '--fault-ms <ms>',
      'live: how long each fault lasts before the process is restarted or continued (8000)',
      flagNumber,
    )
    .option('--config <file>', 'topology (default: ./regions.yaml, else the built-in five-region default)')
    .option('--seed <n>', 'replay one random-fault run of this seed and print what its checkers found', flagNumber)
    .option('--seeds <n>', 'also run this many random-fault seeds through the checkers', flagNumber)
    .option('--out <dir>', 'output folder', 'experiment-out')
    .addHelpText(
      'after',
      `
Writes failover.json and report.html to --out. Exits 1 when a checker fails, printing the seed's replay command.

Examples:
  $ meridian experiment failover
  $ meridian experiment failover --seeds 500
  $ meridian experiment failover --seed 42`,
    )
    .action(async (flags: FailoverFlags) => {
      const configPath = flags.config ?? hooks.defaultConfigPath?.() ?? 'regions.yaml';
      const config = parseTopology(await readFile(configPath, 'utf8'), configPath);
      if (flags.mode === 'live') {
        await runLive(config, configPath, flags, hooks);
        return;
      }
      if (flags.mode !== 'sim') throw new ExperimentUnavailableError(`--mode must be sim or live, got ${flags.mode}`);
      if (flags.seed !== undefined) {
        const run = runFailoverSimulation({ seed: flags.seed, config });
        console.log(
          `seed ${run.seed}: ${run.operations} operations, ${run.epochs} epochs, ${run.writes.none.lost} of ${run.writes.none.acknowledged} primary-acknowledged writes lost, ${run.writes.majority.lost} of ${run.writes.majority.acknowledged} majority writes lost, ${run.discardedEntries} entries discarded`,
        );
        for (const fault of run.faults)
          console.log(
            `  ${fault.kind} at ${fault.region} (${Math.round(fault.startMs)} ms): detected after ${ms(fault.detectMs)}, longest without writes ${ms(fault.unwritableMs)}${fault.failedOver ? ', new epoch' : ''}`,
          );
        for (const violation of run.violations) console.log(`  VIOLATION ${violation.checker}: ${violation.detail}`);
        if (run.violations.length > 0) process.exitCode = 1;
        return;
      }
      const { rows } = measureFailover(config, 1);
      for (const line of failoverTable(rows)) console.log(line);
      let seeds: { runs: number; failing: FailoverRunResult[] } | undefined;
      if (flags.seeds !== undefined) {
        const failing: FailoverRunResult[] = [];
        for (let seed = 1; seed <= flags.seeds; seed++) {
          const run = runFailoverSimulation({ seed, config });
          if (run.violations.length > 0) {
            failing.push(run);
            console.log(
              `seed ${seed} FAILED (${run.violations[0]?.checker}: ${run.violations[0]?.detail}); replay: ${run.replay}`,
            );
          }
        }
        seeds = { runs: flags.seeds, failing };
        console.log(`${flags.seeds} random-fault seeds: ${failing.length} failing`);
      }
      await mkdir(flags.out, { recursive: true });
      await writeFile(
        join(flags.out, 'failover.json'),
        `${JSON.stringify({ faults: rows, seeds: seeds === undefined ? undefined : { runs: seeds.runs, failing: seeds.failing.map((run) => ({ seed: run.seed, replay: run.replay, violations: run.violations })) } }, null, 2)}\n`,
      );
      await writeFile(join(flags.out, 'report.html'), failoverHtml(rows, seeds));
      console.log(`wrote failover.json and report.html to ${flags.out}`);
      if (rows.some((row) => row.violations > 0) || (seeds?.failing.length ?? 0) > 0) process.exitCode = 1;
    });
}

/** Live mode: the topology launched on free ports, each fault caused to the primary's process in turn. */
async function runLive(
  config: TopologyConfig,
  configPath: string,
  flags: FailoverFlags,
  hooks: ExperimentCommandHooks,
): Promise<void> {
  if (!config.failover.automatic)
    throw new ExperimentUnavailableError(
      `${configPath}: failover.automatic is off; live failover needs the regions to elect`,
    );
  if (hooks.liveTopology === undefined)
    throw new ExperimentUnavailableError('live mode needs the meridian CLI (it launches the processes)');
  const faults = (flags.faults ?? '').split(',').map((fault) => fault.trim());
  for (const fault of faults)
    if (!(LIVE_FAILOVER_FAULTS as readonly string[]).includes(fault))
      throw new ExperimentUnavailableError(`--faults: ${fault} is not one of ${LIVE_FAILOVER_FAULTS.join(', ')}`);
  const log = (line: string): void => console.log(line);
  const session = await hooks.liveTopology({ config, configPath, attach: false, freePorts: true, log });
  let rows: FailoverReportRow[];
  try {
    rows = await runLiveFailover(session.topology, {
      faults: faults as LiveFailoverFault[],
      log,
      ...(flags.faultMs === undefined ? {} : { faultMs: flags.faultMs }),
    });
  } finally {
    await session.close();
  }
  for (const line of failoverTable(rows)) console.log(line);
  await mkdir(flags.out, { recursive: true });
  await writeFile(
    join(flags.out, 'failover-live.json'),
    `${JSON.stringify({ mode: 'live', faults: rows }, null, 2)}\n`,
  );
  await writeFile(join(flags.out, 'report.html'), failoverHtml(rows, undefined, 'live'));
  console.log(
    `wrote failover-live.json and report.html to ${flags.out} (lost: of the keys whose last write was acknowledged)`,
  );
  if (rows.some((row) => row.violations > 0)) process.exitCode = 1;
}
