import { join } from 'node:path';
import type { Engine } from '@meridian/engine';
import type { Clock, TimerHandle } from '@meridian/lag';
import {
  replayLog as replayWholeLog,
  type DurabilityPolicy,
  ensureWritableDir,
  type RetentionLimits,
  SqliteWriteLog,
  type SnapshotStore,
  StoreError,
  type WriteLog,
} from '@meridian/store';
import type { Report } from '@meridian/metrics';

export interface RegionStoreOptions {
  readonly dataDir: string;
  readonly region: string;
  readonly policy: DurabilityPolicy;
  readonly retention?: RetentionLimits;
  /** Told what opening found (repairs); one line each. */
  readonly report?: Report;
}

/** Region names as regions.yaml allows them: they name folders, so no path may hide in one. */
export const REGION_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A region name that is not REGION_NAME_PATTERN; code MERIDIAN_NODE_REGION_INVALID. */
export class RegionNameError extends Error {
  readonly code = 'MERIDIAN_NODE_REGION_INVALID';
  constructor(region: string) {
    super(`region name ${JSON.stringify(region)} is not valid: use lowercase letters, digits and dashes (at most 63)`);
    this.name = 'RegionNameError';
  }
}

export function checkRegionName(region: string): string {
  if (!REGION_NAME_PATTERN.test(region)) throw new RegionNameError(region);
  return region;
}

/** Opens the region's durable log in `<dataDir>/<region>/` and reports what opening repaired. */
export function openRegionStore(options: RegionStoreOptions): { log: SqliteWriteLog; dir: string } {
  checkRegionName(options.region);
  const dir = ensureWritableDir(join(options.dataDir, options.region));
  const log = SqliteWriteLog.open({
    policy: options.policy,
    dataDir: dir,
    ...(options.retention === undefined ? {} : { retention: options.retention }),
  });
  for (const message of log.openReport.messages)
    options.report?.(`meridian: store ${dir}: ${message}`, { event: 'store.repaired', level: 'warn' });
  return { log, dir };
}

/** When to snapshot: after `everyEntries` new entries or `everyMs` with any, checked every `checkIntervalMs`. */
export interface SnapshotPolicy {
  readonly everyEntries: number;
  readonly everyMs: number;
  readonly checkIntervalMs: number;
}

export const SNAPSHOT_POLICY_DEFAULT: SnapshotPolicy = {
  everyEntries: 10_000,
  everyMs: 60_000,
  checkIntervalMs: 1_000,
};

export interface SnapshotSchedulerOptions {
  readonly log: SnapshotStore;
  readonly engine: Engine;
  readonly clock: Clock;
  readonly policy: SnapshotPolicy;
  /** The primary time the engine's state corresponds to. */
  readonly timeMs: () => number;
  /** False while the node must not snapshot (its log failed). */
  readonly enabled: () => boolean;
  readonly report: Report;
}

/**
 * Takes snapshots of the engine into its write log on a timer; each snapshot lets retention
 * truncate the log behind it. The engine must hold exactly the log's entries (both roles append
 * and apply in one synchronous step), so a snapshot at `lastOffset()` is exact.
 */
export class SnapshotScheduler {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private lastAtMs: number;
  private stopped = false;

  constructor(private readonly options: SnapshotSchedulerOptions) {
    this.lastAtMs = options.clock.nowMs();
  }

  start(): void {
    this.timer = this.options.clock.setTimer(this.options.policy.checkIntervalMs, () => {
      this.tick();
      if (!this.stopped) this.start();
    });
  }

  /** Stops the timer and waits for a snapshot in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.running;
  }

  /** Snapshots now (unless one is running or nothing is new); resolves when done. */
  snapshotNow(): Promise<void> {
    if (this.running !== undefined) return this.running;
    const { log, engine, clock } = this.options;
    const offset = log.lastOffset();
    if (offset <= this.snapshotOffset() || !this.options.enabled()) return Promise.resolve();
    this.running = log
      .writeSnapshot(engine.db, { offset, timeMs: Math.floor(this.options.timeMs()) })
      .then(
        () => undefined,
        (error: unknown) => {
          if (error instanceof StoreError && error.code === 'MERIDIAN_STORE_CLOSED') return;
          this.options.report(`meridian: snapshot at offset ${offset} failed: ${String(error)}`, {
            event: 'store.snapshot-failed',
            level: 'error',
            fields: { offset },
          });
        },
      )
      .finally(() => {
        this.running = undefined;
        this.lastAtMs = clock.nowMs();
      });
    return this.running;
  }

  private snapshotOffset(): number {
    return this.options.log.snapshots()[0]?.offset ?? 0;
  }

  private tick(): void {
    const { log, policy, clock } = this.options;
    const fresh = log.lastOffset() - this.snapshotOffset();
    if (fresh <= 0) return;
    if (fresh >= policy.everyEntries || clock.nowMs() - this.lastAtMs >= policy.everyMs) void this.snapshotNow();
  }
}

/** Replays a log that still starts at offset 1 (an in-memory log has no snapshots): store's one replay. */
export function replayLog(engine: Engine, log: WriteLog): void {
  replayWholeLog(engine, log);
}
