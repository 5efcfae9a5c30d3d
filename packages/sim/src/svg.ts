import { niceStep } from './stats.js';

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

export interface ChartSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  color: string;
  dashed?: boolean;
  /** Draw markers only (a scatter). */
  markers?: boolean;
}

export interface ChartBand {
  fromX: number;
  toX: number;
  label: string;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  bands?: readonly ChartBand[];
  bars?: readonly { fromX: number; toX: number; y: number }[];
  yMax?: number;
  width?: number;
  height?: number;
}

export function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

const MARGIN = { left: 64, right: 16, top: 32, bottom: 80 };

function extent(options: ChartOptions): { xMax: number; yMax: number } {
  let xMax = 0;
  let yMax = options.yMax ?? 0;
  for (const series of options.series) {
    for (const [x, y] of series.points) {
      xMax = Math.max(xMax, x);
      if (options.yMax === undefined) yMax = Math.max(yMax, y);
    }
  }
  for (const bar of options.bars ?? []) {
    xMax = Math.max(xMax, bar.toX);
    if (options.yMax === undefined) yMax = Math.max(yMax, bar.y);
  }
  for (const band of options.bands ?? []) xMax = Math.max(xMax, band.toX);
  return { xMax: xMax > 0 ? xMax : 1, yMax: yMax > 0 ? yMax : 1 };
}

function format(value: number): string {
  return Math.abs(value) >= 1000 ? value.toFixed(0) : String(Math.round(value * 1000) / 1000);
}

/** An inline SVG chart (lines, markers, bars, shaded bands) with axes, ticks and a legend. */
export function chart(options: ChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 300;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const { xMax, yMax } = extent(options);
  const sx = (x: number): number => MARGIN.left + (x / xMax) * plotWidth;
  const sy = (y: number): number => MARGIN.top + plotHeight - (Math.min(y, yMax) / yMax) * plotHeight;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">`,
  );
  parts.push(`<title>${escapeXml(options.title)}</title>`);
  parts.push(
    `<text x="${width / 2}" y="18" text-anchor="middle" class="chart-title">${escapeXml(options.title)}</text>`,
  );
  for (const band of options.bands ?? []) {
    const x0 = sx(band.fromX);
    const x1 = sx(Math.min(band.toX, xMax));
    parts.push(
      `<rect class="fault" x="${x0.toFixed(1)}" y="${MARGIN.top}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="${plotHeight}" fill="#f5c6c6" opacity="0.5"><title>${escapeXml(band.label)}</title></rect>`,
    );
    parts.push(
      `<text x="${(x0 + 2).toFixed(1)}" y="${MARGIN.top + 10}" class="band-label">${escapeXml(band.label)}</text>`,
    );
  }
  parts.push(...axes(sx, sy, xMax, yMax, plotWidth, plotHeight, options));
  for (const bar of options.bars ?? []) {
    const x0 = sx(bar.fromX);
    const x1 = sx(bar.toX);
    parts.push(
      `<rect class="bar" x="${x0.toFixed(1)}" y="${sy(bar.y).toFixed(1)}" width="${Math.max(0.5, x1 - x0 - 1).toFixed(1)}" height="${(MARGIN.top + plotHeight - sy(bar.y)).toFixed(1)}" fill="${PALETTE[0]}"/>`,
    );
  }
  for (const series of options.series) parts.push(drawSeries(series, sx, sy));
  parts.push(legend(options.series, width, height));
  parts.push('</svg>');
  return parts.join('\n');
}

function axes(
  sx: (x: number) => number,
  sy: (y: number) => number,
  xMax: number,
  yMax: number,
  plotWidth: number,
  plotHeight: number,
  options: ChartOptions,
): string[] {
  const parts: string[] = [];
  const bottom = MARGIN.top + plotHeight;
  parts.push(
    `<line class="axis" x1="${MARGIN.left}" y1="${bottom}" x2="${MARGIN.left + plotWidth}" y2="${bottom}" stroke="#333"/>`,
  );
  parts.push(
    `<line class="axis" x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}" stroke="#333"/>`,
  );
  const xStep = niceStep(xMax, 8);
  for (let x = 0; x <= xMax + 1e-9; x += xStep) {
    parts.push(
      `<line x1="${sx(x).toFixed(1)}" y1="${bottom}" x2="${sx(x).toFixed(1)}" y2="${bottom + 4}" stroke="#333"/>`,
    );
    parts.push(
      `<text x="${sx(x).toFixed(1)}" y="${bottom + 16}" text-anchor="middle" class="tick">${format(x)}</text>`,
    );
  }
  const yStep = niceStep(yMax, 5);
  for (let y = 0; y <= yMax + 1e-9; y += yStep) {
    parts.push(
      `<line x1="${MARGIN.left}" y1="${sy(y).toFixed(1)}" x2="${MARGIN.left + plotWidth}" y2="${sy(y).toFixed(1)}" stroke="#ddd"/>`,
    );
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end" class="tick">${format(y)}</text>`,
    );
  }
  parts.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${bottom + 34}" text-anchor="middle" class="axis-label">${escapeXml(options.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(14 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${escapeXml(options.yLabel)}</text>`,
  );
  return parts;
}

function drawSeries(series: ChartSeries, sx: (x: number) => number, sy: (y: number) => number): string {
  if (series.markers === true) {
    return series.points
      .map(
        ([x, y]) =>
          `<circle class="marker" cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="4" fill="${series.color}"><title>${escapeXml(`${series.name}: ${format(x)}, ${format(y)}`)}</title></circle>`,
      )
      .join('\n');
  }
  if (series.points.length === 0) return '';
  const d = series.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
  const dash = series.dashed === true ? ' stroke-dasharray="6 4"' : '';
  return `<path class="series" d="${d}" fill="none" stroke="${series.color}" stroke-width="2"${dash}><title>${escapeXml(series.name)}</title></path>`;
}

function legend(series: readonly ChartSeries[], width: number, height: number): string {
  const columns = 3;
  const columnWidth = Math.floor((width - MARGIN.left) / columns);
  const items = series.map((s, i) => {
    const x = MARGIN.left + (i % columns) * columnWidth;
    const y = Math.floor(i / columns) * 14;
    const dash = s.dashed === true ? ' stroke-dasharray="4 3"' : '';
    const swatch =
      s.markers === true
        ? `<circle cx="${x + 6}" cy="${y - 4}" r="4" fill="${s.color}"/>`
        : `<line x1="${x}" y1="${y - 4}" x2="${x + 14}" y2="${y - 4}" stroke="${s.color}" stroke-width="2"${dash}/>`;
    return `${swatch}<text x="${x + 18}" y="${y}" class="legend">${escapeXml(s.name)}</text>`;
  });
  return `<g class="legend" transform="translate(0 ${height - 16 - 14 * Math.floor((series.length - 1) / columns)})">${items.join('')}</g>`;
}
