import { type LinkConfig, parseLinkSettings } from '@meridian/lag';
import { parse as parseYaml } from 'yaml';
import { ExperimentConfigError } from './options.js';

/**
 * A fault in an experiment. `atMs` counts from the start of the workload; `durationMs` bounds it
 * (the fault is undone afterwards; absent: until the end of the run).
 * - `partition`: every link between the two regions drops (replication, forwarded requests, clients).
 * - `lag`: the links from → to (both directions when `bothWays`) take new settings (delayMs, jitter…).
 * - `stall`: the links between the two regions deliver nothing during the window, then all at once.
 * - `replica-crash`: the region's node stops (unapplied entries lost) and restarts from its durable state.
 * - `primary-crash`: the primary stops; it restarts from its durable write log.
 */
export type FaultSpec =
  | { kind: 'partition'; atMs: number; durationMs?: number; regions: [string, string] }
  | { kind: 'lag'; atMs: number; durationMs?: number; from: string; to: string; bothWays?: boolean; link: LinkConfig }
  | { kind: 'stall'; atMs: number; durationMs: number; regions: [string, string] }
  | { kind: 'replica-crash'; atMs: number; durationMs?: number; region: string }
  | { kind: 'primary-crash'; atMs: number; durationMs?: number };

/** A fault's window and label, as reported and drawn on the lag-over-time chart. */
export interface FaultWindow {
  kind: FaultSpec['kind'];
  label: string;
  startMs: number;
  endMs: number | null;
}

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a fault schedule (YAML or JSON): a list of faults, or `{ faults: [...] }`. */
export function parseFaultSchedule(text: string, regionNames: readonly string[]): FaultSpec[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ExperimentConfigError(
      'faults',
      `not YAML/JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const list = isPlain(document) ? document['faults'] : document;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new ExperimentConfigError('faults', 'must be a list of faults');
  return list.map((item: unknown, i) => parseFault(item, `faults[${i}]`, regionNames));
}

function parseFault(item: unknown, field: string, regionNames: readonly string[]): FaultSpec {
  if (!isPlain(item)) throw new ExperimentConfigError(field, 'must be a mapping with kind and atMs');
  const atMs = time(item['atMs'], `${field}.atMs`);
  const duration = item['durationMs'] === undefined ? undefined : time(item['durationMs'], `${field}.durationMs`);
  const withDuration = duration === undefined ? {} : { durationMs: duration };
  const region = (value: unknown, name: string): string => {
    if (typeof value !== 'string' || !regionNames.includes(value)) {
      throw new ExperimentConfigError(
        `${field}.${name}`,
        `must be one of ${regionNames.join(', ')}, got ${JSON.stringify(value)}`,
      );
    }
    return value;
  };
  const pair = (): [string, string] => {
    const regions = item['regions'];
    if (!Array.isArray(regions) || regions.length !== 2)
      throw new ExperimentConfigError(`${field}.regions`, 'must list two regions');
    const a = region(regions[0], 'regions[0]');
    const b = region(regions[1], 'regions[1]');
    if (a === b) throw new ExperimentConfigError(`${field}.regions`, 'must be two different regions');
    return [a, b];
  };
  switch (item['kind']) {
    case 'partition':
      return { kind: 'partition', atMs, ...withDuration, regions: pair() };
    case 'stall':
      if (duration === undefined || duration === 0)
        throw new ExperimentConfigError(`${field}.durationMs`, 'a stall needs a duration > 0');
      return { kind: 'stall', atMs, durationMs: duration, regions: pair() };
    case 'lag':
      return parseLagFault(item, field, atMs, withDuration, region);
    case 'replica-crash':
      return { kind: 'replica-crash', atMs, ...withDuration, region: region(item['region'], 'region') };
    case 'primary-crash':
      return { kind: 'primary-crash', atMs, ...withDuration };
    default:
      throw new ExperimentConfigError(
        `${field}.kind`,
        `must be partition, lag, stall, replica-crash or primary-crash, got ${JSON.stringify(item['kind'])}`,
      );
  }
}

function parseLagFault(
  item: Plain,
  field: string,
  atMs: number,
  withDuration: { durationMs?: number },
  region: (value: unknown, name: string) => string,
): FaultSpec {
  const link: LinkConfig = {};
  for (const key of ['delayMs', 'jitter', 'jitterMode', 'jitterRedrawMs', 'bandwidthBytesPerSecond'] as const) {
    if (item[key] !== undefined) link[key] = item[key];
  }
  try {
    parseLinkSettings(link, field);
  } catch (error) {
    throw new ExperimentConfigError(field, error instanceof Error ? error.message : String(error));
  }
  const bothWays = item['bothWays'];
  if (bothWays !== undefined && typeof bothWays !== 'boolean')
    throw new ExperimentConfigError(`${field}.bothWays`, 'must be true or false');
  return {
    kind: 'lag',
    atMs,
    ...withDuration,
    from: region(item['from'], 'from'),
    to: region(item['to'], 'to'),
    ...(bothWays === undefined ? {} : { bothWays }),
    link,
  };
}

function time(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ExperimentConfigError(field, `must be a number of ms ≥ 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function faultLabel(fault: FaultSpec): string {
  switch (fault.kind) {
    case 'partition':
    case 'stall':
      return `${fault.kind} ${fault.regions[0]}↔${fault.regions[1]}`;
    case 'lag':
      return `lag ${fault.from}→${fault.to}${fault.bothWays === true ? ' (both ways)' : ''}`;
    case 'replica-crash':
      return `crash ${fault.region}`;
    case 'primary-crash':
      return 'crash primary';
  }
}

/** The fault's window relative to the start of the workload. */
export function faultWindow(fault: FaultSpec): FaultWindow {
  return {
    kind: fault.kind,
    label: faultLabel(fault),
    startMs: fault.atMs,
    endMs: fault.durationMs === undefined ? null : fault.atMs + fault.durationMs,
  };
}
