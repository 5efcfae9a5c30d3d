import type { ExperimentSummary, ReadFigures } from './summary.js';
import { chart, type ChartSeries, escapeXml, PALETTE } from './svg.js';

/** What an interrupted run says first, in the terminal table and report.html. */
export function partialLine(partial: { measuredMs: number; plannedMs: number }): string {
  return `PARTIAL: interrupted after ${(partial.measuredMs / 1000).toFixed(1)} s of the ${(partial.plannedMs / 1000).toFixed(1)} s planned; the figures cover that part only`;
}

function replicaEntries(summary: ExperimentSummary): [string, ExperimentSummary['regions'][string]][] {
  return Object.entries(summary.regions).filter(([, region]) => region.role === 'replica');
}

function visibilityCharts(summary: ExperimentSummary): string[] {
  return replicaEntries(summary).map(([name, region]) => {
    const series: ChartSeries[] = [
      {
        name: 'measured',
        color: PALETTE[0] as string,
        points: region.tVisibility.map((p) => [p.tMs, p.measured] as const),
      },
      {
        name: 'predicted',
        color: PALETTE[1] as string,
        dashed: true,
        points: region.tVisibility.map((p) => [p.tMs, p.predicted] as const),
      },
      {
        name: 'idle link',
        color: PALETTE[2] as string,
        dashed: true,
        points: region.tVisibility.map((p) => [p.tMs, p.predictedIdleLink] as const),
      },
    ];
    return chart({
      title: `t-visibility: ${name}`,
      xLabel: 't after commit (ms)',
      yLabel: 'P(read sees the write)',
      yMax: 1,
      series,
    });
  });
}

function histogramCharts(summary: ExperimentSummary): string[] {
  return replicaEntries(summary).map(([name, region]) =>
    chart({
      title: `replication lag histogram: ${name} (last bin includes the tail)`,
      xLabel: 'commit → applied (ms)',
      yLabel: 'writes',
      series: [],
      bars: region.lagHistogram.map((bin) => ({ fromX: bin.fromMs, toX: bin.toMs, y: bin.count })),
    }),
  );
}

function lagOverTimeChart(summary: ExperimentSummary): string {
  const series: ChartSeries[] = replicaEntries(summary).map(([name, region], i) => ({
    name: `${name} p99`,
    color: PALETTE[i % PALETTE.length] as string,
    points: region.lagOverTime.map((bucket) => [bucket.startMs / 1000, bucket.p99] as const),
  }));
  const bands = summary.faults.map((fault) => ({
    fromX: fault.startMs / 1000,
    toX: (fault.endMs ?? Number(summary.config['durationMs'])) / 1000,
    label: fault.label,
  }));
  return chart({
    title: 'replication lag over time (p99 per bucket), faults shaded',
    xLabel: 'workload time (s)',
    yLabel: 'lag (ms)',
    series,
    bands,
    width: 960,
  });
}

function latencyStalenessChart(summary: ExperimentSummary): string {
  const series: ChartSeries[] = Object.entries(summary.consistency).map(([level, figures], i) => ({
    name: level,
    color: PALETTE[i % PALETTE.length] as string,
    markers: true,
    points: [[figures.latencyMs.p50, figures.staleRate] as const, [figures.latencyMs.p99, figures.staleRate] as const],
  }));
  return chart({
    title: 'read latency (p50 and p99) vs stale-read rate, per consistency level',
    xLabel: 'read latency (ms)',
    yLabel: 'stale-read rate',
    series,
    width: 960,
  });
}

function readsTable(summary: ExperimentSummary): string {
  const head =
    '<tr><th>level</th><th>reads</th><th>failed</th><th>stale rate</th><th>RYW violations</th><th>monotonic violations</th><th>served by primary</th><th>p50 ms</th><th>p99 ms</th></tr>';
  const row = (level: string, f: ReadFigures): string =>
    `<tr><td>${escapeXml(level)}</td><td>${f.reads}</td><td>${f.failed}</td><td>${f.staleRate}</td><td>${f.readYourWritesViolations}</td><td>${f.monotonicViolations}</td><td>${f.servedByPrimary}</td><td>${f.latencyMs.p50}</td><td>${f.latencyMs.p99}</td></tr>`;
  return `<table>${head}${Object.entries(summary.consistency)
    .map(([level, f]) => row(level, f))
    .join('')}</table>`;
}

function lagTable(summary: ExperimentSummary): string {
  const head =
    '<tr><th>region</th><th>role</th><th>base delay ms</th><th>lag p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>unapplied</th><th>write p50 ms</th><th>write p99 ms</th></tr>';
  const rows = Object.entries(summary.regions).map(
    ([name, r]) =>
      `<tr><td>${escapeXml(name)}</td><td>${r.role}</td><td>${r.baseDelayMs}</td><td>${r.lagMs.p50}</td><td>${r.lagMs.p90}</td><td>${r.lagMs.p99}</td><td>${r.lagMs.p999}</td><td>${r.lagMs.max}</td><td>${r.unappliedWrites}</td><td>${r.writes.latencyMs.p50}</td><td>${r.writes.latencyMs.p99}</td></tr>`,
  );
  return `<table>${head}${rows.join('')}</table>`;
}

function pubsubTable(summary: ExperimentSummary): string {
  const head =
    '<tr><th>region</th><th>role</th><th>published</th><th>received</th><th>lost</th><th>delivery p50 ms</th><th>p90</th><th>p99</th><th>max</th><th>end-to-end p50 ms</th><th>p99</th><th>replication lag p50 ms</th><th>p99</th></tr>';
  const rows = Object.entries(summary.regions).map(([name, r]) => {
    const p = r.pubsub;
    return `<tr><td>${escapeXml(name)}</td><td>${r.role}</td><td>${p.published}</td><td>${p.delivered}</td><td>${p.lost}</td><td>${p.deliveryMs.p50}</td><td>${p.deliveryMs.p90}</td><td>${p.deliveryMs.p99}</td><td>${p.deliveryMs.max}</td><td>${p.endToEndMs.p50}</td><td>${p.endToEndMs.p99}</td><td>${r.lagMs.p50}</td><td>${r.lagMs.p99}</td></tr>`;
  });
  return `<table>${head}${rows.join('')}</table><p>${escapeXml(summary.pubsubMethod)}.</p>`;
}

/** A self-contained report: inline SVG charts and tables, no scripts, no network. */
export function renderReport(summary: ExperimentSummary): string {
  const section = (title: string, body: string[]): string =>
    `<section><h2>${escapeXml(title)}</h2><div class="charts">${body.join('\n')}</div></section>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Meridian staleness experiment (seed ${summary.seed})</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;margin:8px 0 24px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}
.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{background:#fff;border:1px solid #eee}
.chart-title{font-size:13px;font-weight:600}.tick,.legend,.band-label{font-size:10px}.axis-label{font-size:11px}
</style></head><body>
<h1>Meridian staleness experiment</h1>
${summary.partial === undefined ? '' : `<p class="partial"><strong>${escapeXml(partialLine(summary.partial))}</strong></p>`}
<p>Mode ${summary.mode}, seed ${summary.seed}, primary ${escapeXml(String(summary.config['primary']))}, ${summary.totals.writes} writes, ${summary.totals.reads} reads and ${summary.totals.publishes} publishes over ${Number(summary.config['durationMs']) / 1000} simulated seconds. ${escapeXml(summary.visibilityMethod)}.</p>
<h2>Replication lag per region</h2>${lagTable(summary)}
<h2>Pub/sub delivery per region, beside replication lag</h2>${pubsubTable(summary)}
<h2>Reads per consistency level</h2>${readsTable(summary)}
${section('t-visibility per region (measured vs lag model)', visibilityCharts(summary))}
${section('Lag histograms', histogramCharts(summary))}
${section('Lag over time', [lagOverTimeChart(summary)])}
${section('Latency vs staleness', [latencyStalenessChart(summary)])}
</body></html>
`;
}
