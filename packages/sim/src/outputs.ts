import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExperimentResult } from './experiment.js';
import { partialLine, renderReport } from './report-html.js';
import type { ExperimentSummary } from './summary.js';

function csv(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  const cell = (value: string | number | null): string => {
    const text = value === null ? '' : String(value);
    return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\n') + '\n';
}

/** The CSV files of a summary, by file name. */
export function csvFiles(summary: ExperimentSummary): Record<string, string> {
  const regions = Object.entries(summary.regions);
  return {
    'lag.csv': csv(
      [
        'region',
        'role',
        'baseDelayMs',
        'p50',
        'p90',
        'p99',
        'p999',
        'max',
        'receiveP50',
        'receiveP99',
        'appliedWrites',
        'unappliedWrites',
      ],
      regions.map(([name, r]) => [
        name,
        r.role,
        r.baseDelayMs,
        r.lagMs.p50,
        r.lagMs.p90,
        r.lagMs.p99,
        r.lagMs.p999,
        r.lagMs.max,
        r.receiveLagMs.p50,
        r.receiveLagMs.p99,
        r.appliedWrites,
        r.unappliedWrites,
      ]),
    ),
    't-visibility.csv': csv(
      ['region', 'tMs', 'measured', 'predicted', 'predictedIdleLink'],
      regions.flatMap(([name, r]) =>
        r.tVisibility.map((p) => [name, p.tMs, p.measured, p.predicted, p.predictedIdleLink]),
      ),
    ),
    'lag-over-time.csv': csv(
      ['region', 'startMs', 'p50', 'p99', 'max', 'writes'],
      regions.flatMap(([name, r]) => r.lagOverTime.map((b) => [name, b.startMs, b.p50, b.p99, b.max, b.writes])),
    ),
    'reads.csv': csv(
      [
        'clientRegion',
        'level',
        'reads',
        'failed',
        'staleReads',
        'staleRate',
        'readYourWritesViolations',
        'monotonicViolations',
        'servedByPrimary',
        'p50',
        'p90',
        'p99',
        'p999',
        'max',
      ],
      regions.flatMap(([name, r]) =>
        Object.entries(r.reads).map(([level, f]) => [
          name,
          level,
          f.reads,
          f.failed,
          f.staleReads,
          f.staleRate,
          f.readYourWritesViolations,
          f.monotonicViolations,
          f.servedByPrimary,
          f.latencyMs.p50,
          f.latencyMs.p90,
          f.latencyMs.p99,
          f.latencyMs.p999,
          f.latencyMs.max,
        ]),
      ),
    ),
    'writes.csv': csv(
      ['clientRegion', 'writes', 'failed', 'p50', 'p90', 'p99', 'p999', 'max'],
      regions.map(([name, r]) => [
        name,
        r.writes.writes,
        r.writes.failed,
        r.writes.latencyMs.p50,
        r.writes.latencyMs.p90,
        r.writes.latencyMs.p99,
        r.writes.latencyMs.p999,
        r.writes.latencyMs.max,
      ]),
    ),
    'pubsub.csv': csv(
      [
        'region',
        'role',
        'published',
        'delivered',
        'lost',
        'deliveryP50',
        'deliveryP90',
        'deliveryP99',
        'deliveryMax',
        'endToEndP50',
        'endToEndP99',
        'lagP50',
        'lagP99',
      ],
      regions.map(([name, r]) => [
        name,
        r.role,
        r.pubsub.published,
        r.pubsub.delivered,
        r.pubsub.lost,
        r.pubsub.deliveryMs.p50,
        r.pubsub.deliveryMs.p90,
        r.pubsub.deliveryMs.p99,
        r.pubsub.deliveryMs.max,
        r.pubsub.endToEndMs.p50,
        r.pubsub.endToEndMs.p99,
        r.lagMs.p50,
        r.lagMs.p99,
      ]),
    ),
    'faults.csv': csv(
      ['kind', 'label', 'startMs', 'endMs'],
      summary.faults.map((f) => [f.kind, f.label, f.startMs, f.endMs]),
    ),
  };
}

/** Writes summary.json, the CSV files and report.html into `outDir` (created if missing); returns the paths. */
export async function writeExperimentOutputs(result: ExperimentResult, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const files: Record<string, string> = {
    'summary.json': JSON.stringify(result.summary, null, 2) + '\n',
    ...csvFiles(result.summary),
    'report.html': renderReport(result.summary),
  };
  const paths: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const path = join(outDir, name);
    await writeFile(path, content);
    paths.push(path);
  }
  return paths;
}

function pad(text: string | number, width: number): string {
  return String(text).padStart(width);
}

/** A short table for the terminal: lag and pub/sub delivery per region, reads per consistency level. */
export function formatTerminalTable(result: ExperimentResult): string {
  const { summary } = result;
  const lines: string[] = [];
  if (summary.partial !== undefined) lines.push(partialLine(summary.partial));
  lines.push(
    `seed ${summary.seed}: ${summary.totals.writes} writes, ${summary.totals.reads} reads, ${summary.totals.publishes} publishes, ${summary.totals.failedRequests} failed; ${(result.wallClockMs / 1000).toFixed(1)} s wall clock (${result.speedup.toFixed(1)}× real time at the workload)`,
  );
  lines.push(
    `${'region'.padEnd(16)}${pad('base ms', 9)}${pad('lag p50', 9)}${pad('p99', 9)}${pad('p99.9', 9)}${pad('max', 9)}${pad('pub/sub p50', 13)}${pad('p99', 9)}${pad('received', 12)}`,
  );
  for (const [name, r] of Object.entries(summary.regions)) {
    const lag =
      r.role === 'replica'
        ? `${pad(r.lagMs.p50.toFixed(1), 9)}${pad(r.lagMs.p99.toFixed(1), 9)}${pad(r.lagMs.p999.toFixed(1), 9)}${pad(r.lagMs.max.toFixed(1), 9)}`
        : `${pad('primary', 9)}${pad('', 27)}`;
    const pubsub = r.pubsub;
    const delivery =
      pubsub.published === 0
        ? `${pad('-', 13)}${pad('-', 9)}${pad('-', 12)}`
        : `${pad(pubsub.deliveryMs.p50.toFixed(1), 13)}${pad(pubsub.deliveryMs.p99.toFixed(1), 9)}${pad(`${pubsub.delivered}/${pubsub.published}`, 12)}`;
    lines.push(`${name.padEnd(16)}${pad(r.baseDelayMs.toFixed(1), 9)}${lag}${delivery}`);
  }
  lines.push(
    `${'level'.padEnd(16)}${pad('reads', 9)}${pad('stale %', 9)}${pad('RYW viol', 9)}${pad('mono viol', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}`,
  );
  for (const [level, f] of Object.entries(summary.consistency)) {
    lines.push(
      `${level.padEnd(16)}${pad(f.reads, 9)}${pad((f.staleRate * 100).toFixed(2), 9)}${pad(f.readYourWritesViolations, 9)}${pad(f.monotonicViolations, 10)}${pad(f.latencyMs.p50.toFixed(1), 9)}${pad(f.latencyMs.p99.toFixed(1), 9)}`,
    );
  }
  return lines.join('\n');
}
