import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, type TopologyConfig } from '@meridian/topology';
import {
  BUILTIN_NODE_COSTS,
  type NodeCosts,
  PATH_QUANTILES_MAX,
  WAKE_UP_QUANTILES,
  ZERO_NODE_COSTS,
} from './model/node-costs.js';

/** The `format` of a calibration file this Meridian reads. */
export const CALIBRATION_FORMAT = 1;

/** What `meridian calibrate` writes: the costs, and where and when they were measured. */
export interface CalibrationFile {
  format: typeof CALIBRATION_FORMAT;
  measuredAt: string;
  machine: Record<string, unknown>;
  costs: NodeCosts;
  /** How each figure was measured (samples, spread), for the reader. */
  details?: Record<string, unknown>;
}

const COST_US_MAX = 1_000_000;
/** A timer may fire early (Node counts from the loop's cached time), by up to about a millisecond. */
const EARLY_FIELDS: Record<string, number> = { 'costs.timerLateUs': -1_000 };

/**
 * The costs regions.yaml's `simulation.costs` names: built in, none, or read from a calibration
 * file (relative to regions.yaml). A file that cannot be read or holds a wrong figure is a
 * ConfigError naming `simulation.costs` and the figure.
 */
export function loadNodeCosts(config: TopologyConfig): NodeCosts {
  const costs = config.simulation.costs;
  if (costs.kind === 'none') return ZERO_NODE_COSTS;
  if (costs.kind === 'builtin') return BUILTIN_NODE_COSTS;
  const path = isAbsolute(costs.path) ? costs.path : resolve(dirname(costs.relativeTo), costs.path);
  const fail = (problem: string): never => {
    throw new ConfigError('simulation.costs', undefined, `${costs.path}: ${problem}`, costs.relativeTo);
  };
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    fail(`cannot be read (${(error as { code?: string }).code ?? String(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    fail(`is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const problem = calibrationProblem(value);
  if (problem !== undefined) fail(problem);
  return (value as CalibrationFile).costs;
}

/** What is wrong with a calibration file (naming the field), or undefined. */
export function calibrationProblem(value: unknown): string | undefined {
  if (!isPlain(value)) return 'must be a JSON object written by `meridian calibrate`';
  if (value['format'] !== CALIBRATION_FORMAT)
    return `format: must be ${CALIBRATION_FORMAT}, got ${JSON.stringify(value['format'])}`;
  const costs = value['costs'];
  if (!isPlain(costs)) return 'costs: must be an object';
  const { wakeUps, ...figures } = costs;
  return (
    shapeProblem(figures, ZERO_NODE_COSTS, 'costs') ?? (wakeUps === undefined ? undefined : wakeUpsProblem(wakeUps))
  );
}

const WAKE_UP_FIELDS = ['frameUs', 'timerLateUs', 'pathUs', 'delayedPathUs'];
/*
 * A path may hold up to PATH_QUANTILES_MAX quantiles. Calibrate writes them finer than p0, p5, …,
 * p100 (what it wrote before, which still loads): the paths' tails are long (one calibration of
 * 2,400 writes: p95 2.1, p99 4.2, max 6.5 ms on the link without delay), and a straight line from
 * p95 to the slowest sample drew 3.4 % of the paths above 3 ms where 2.2 % were; over a live
 * comparison's grid the two curves differed by an RMSE of 0.012 (0.016 past the delay).
 */

/** `costs.wakeUps` (optional; files before it have none, and its paths are optional too): its quantiles, each list non-decreasing. */
function wakeUpsProblem(value: unknown): string | undefined {
  if (!isPlain(value)) return 'costs.wakeUps: must be an object';
  for (const key of Object.keys(value)) {
    if (!WAKE_UP_FIELDS.includes(key))
      return `costs.wakeUps.${key}: unknown field (expected one of: ${WAKE_UP_FIELDS.join(', ')})`;
  }
  for (const [key, min] of [
    ['frameUs', 0],
    ['timerLateUs', EARLY_FIELDS['costs.timerLateUs'] as number],
    ['pathUs', 0],
    ['delayedPathUs', 0],
  ] as const) {
    const quantiles = value[key];
    const field = `costs.wakeUps.${key}`;
    // The paths came later: files before them have none.
    if ((key === 'pathUs' || key === 'delayedPathUs') && quantiles === undefined) continue;
    if (key === 'pathUs' || key === 'delayedPathUs') {
      if (!Array.isArray(quantiles) || quantiles.length < WAKE_UP_QUANTILES || quantiles.length > PATH_QUANTILES_MAX)
        return `${field}: must be ${WAKE_UP_QUANTILES} to ${PATH_QUANTILES_MAX} quantiles (p0 … p100, evenly spaced) in µs`;
    } else if (!Array.isArray(quantiles) || quantiles.length !== WAKE_UP_QUANTILES)
      return `${field}: must be ${WAKE_UP_QUANTILES} quantiles (p0, p5, …, p100) in µs`;
    for (let i = 0; i < quantiles.length; i++) {
      const figure: unknown = quantiles[i];
      if (typeof figure !== 'number' || !(figure >= min) || !(figure <= COST_US_MAX))
        return `${field}[${i}]: must be a number of µs between ${min} and ${COST_US_MAX}, got ${JSON.stringify(figure)}`;
      if (i > 0 && figure < (quantiles[i - 1] as number)) return `${field}[${i}]: quantiles must not decrease`;
    }
  }
  return undefined;
}

/** Checks `value` has exactly the template's fields, each a number of µs in range. */
function shapeProblem(value: unknown, template: object, path: string): string | undefined {
  if (!isPlain(value)) return `${path}: must be an object`;
  const known = Object.keys(template);
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) return `${path}.${key}: unknown field (expected one of: ${known.join(', ')})`;
  }
  for (const [key, shape] of Object.entries(template)) {
    const field = `${path}.${key}`;
    const figure = value[key];
    if (typeof shape === 'object' && shape !== null) {
      const problem = shapeProblem(figure, shape as object, field);
      if (problem !== undefined) return problem;
    } else {
      const min = EARLY_FIELDS[field] ?? 0;
      if (typeof figure !== 'number' || !(figure >= min) || !(figure <= COST_US_MAX))
        return `${field}: must be a number of µs between ${min} and ${COST_US_MAX}, got ${JSON.stringify(figure)}`;
    }
  }
  return undefined;
}

function isPlain(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
