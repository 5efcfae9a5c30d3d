import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MeridianError } from '@meridian/engine';

/**
 * What a failover decided, kept in each region's folder (`<dataDir>/<region>/failover.json`) so
 * the current primary and epoch survive restarts of every process: the regions.yaml primary holds
 * until the first failover (epoch 0), this file after it.
 */
export interface RoleState {
  readonly epoch: number;
  /** The region that is primary in this epoch. */
  readonly primary: string;
  /** When this region is that primary: its history id and the history it continues. */
  readonly replicationId?: string;
  readonly previousHistory?: { readonly replicationId: string; readonly offset: number };
}

const FILE = 'failover.json';

export function readRoleState(regionDir: string): RoleState | undefined {
  let text: string;
  try {
    text = readFileSync(join(regionDir, FILE), 'utf8');
  } catch {
    return undefined;
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new MeridianError('MERIDIAN_FAILOVER_STATE_INVALID', `${join(regionDir, FILE)} is not JSON`);
  }
  const { epoch, primary, replicationId, previousHistory } = parsed;
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0 || typeof primary !== 'string') {
    throw new MeridianError(
      'MERIDIAN_FAILOVER_STATE_INVALID',
      `${join(regionDir, FILE)}: epoch must be a whole number and primary a region name`,
    );
  }
  const previous = previousHistory as { replicationId?: unknown; offset?: unknown } | undefined;
  return {
    epoch,
    primary,
    ...(typeof replicationId === 'string' ? { replicationId } : {}),
    ...(typeof previous?.replicationId === 'string' && typeof previous.offset === 'number'
      ? { previousHistory: { replicationId: previous.replicationId, offset: previous.offset } }
      : {}),
  };
}

/** Writes the state atomically (write, fsync, rename, fsync the folder). */
export function writeRoleState(regionDir: string, state: RoleState): void {
  const path = join(regionDir, FILE);
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  for (const target of [temporary, regionDir]) {
    const handle = openSync(target, 'r');
    try {
      fsyncSync(handle);
    } finally {
      closeSync(handle);
    }
    if (target === temporary) renameSync(temporary, path);
  }
}

/** A history id that says its epoch: `e<epoch>-<random>` (sync tokens carry it). */
export function historyIdFor(epoch: number): string {
  return `e${epoch}-${randomBytes(9).toString('hex')}`;
}

/** The newest epoch's state among every region folder under `dataDir` (one host); undefined before any failover. */
export function newestRoleState(
  config: { readonly regions: readonly { readonly name: string }[] },
  dataDir: string,
): RoleState | undefined {
  let newest: RoleState | undefined;
  for (const region of config.regions) {
    const state = readRoleState(join(dataDir, region.name));
    if (state === undefined || !config.regions.some((r) => r.name === state.primary)) continue;
    if (newest === undefined || state.epoch > newest.epoch) newest = state;
  }
  return newest;
}
