import type { Durability, LogRecord } from './world.js';

/** One client operation as the client saw it (real, simulated times). */
export interface Operation {
  readonly client: number;
  readonly kind: 'write' | 'strong-read' | 'session-read';
  readonly key: string;
  readonly invokedMs: number;
  /** undefined: no answer (timed out or lost): the operation may or may not have happened. */
  completedMs: number | undefined;
  /** 'ok', 'noreplicas', 'not-primary', 'token-lost' or 'timeout'. */
  outcome: string;
  /** Writes: the unique id the value carries. */
  readonly writeId?: number;
  readonly durability?: Durability;
  /** Reads: the write id of the value read (0: the key was empty). */
  readWriteId?: number;
  /** Session reads: the client's last acknowledged write to this key before the read (0: none). */
  readonly ownWriteId?: number;
  /** Session reads: the write whose position the client's token names (0: no token). */
  readonly tokenWriteId?: number;
}

export interface Violation {
  readonly checker: string;
  readonly detail: string;
}

/** Every region's log and digest once the run healed and settled. */
export interface FinalState {
  readonly primary: string | undefined;
  readonly logs: ReadonlyMap<string, readonly LogRecord[]>;
  readonly digests: ReadonlyMap<string, string>;
}

/** A write the value of a key carries: `w<id>`. */
export function writeIdOfValue(value: string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return Number(value.slice(1));
}

/** At most one region became primary per epoch. */
export function checkOnePrimaryPerEpoch(elections: readonly { region: string; epoch: number }[]): Violation[] {
  const byEpoch = new Map<number, string>();
  const violations: Violation[] = [];
  for (const { region, epoch } of elections) {
    const other = byEpoch.get(epoch);
    if (other !== undefined && other !== region)
      violations.push({
        checker: 'one-primary-per-epoch',
        detail: `epoch ${epoch} had two primaries: ${other} and ${region}`,
      });
    byEpoch.set(epoch, region);
  }
  return violations;
}

/**
 * At most one region took writes at any instant: writes accepted in real-time order never go back to
 * an older epoch, and two regions never hold a lease at the same sampled instant.
 */
export function checkOnePrimaryPerInstant(
  accepted: readonly { region: string; epoch: number; realMs: number }[],
  overlaps: readonly { realMs: number; regions: readonly string[] }[],
): Violation[] {
  const violations: Violation[] = [];
  let newest: { region: string; epoch: number; realMs: number } | undefined;
  for (const write of accepted) {
    if (
      newest !== undefined &&
      (write.epoch < newest.epoch || (write.epoch === newest.epoch && write.region !== newest.region))
    )
      violations.push({
        checker: 'one-primary-per-instant',
        detail: `${write.region} took a write of epoch ${write.epoch} at ${write.realMs.toFixed(1)} ms after ${newest.region} took one of epoch ${newest.epoch} at ${newest.realMs.toFixed(1)} ms`,
      });
    if (newest === undefined || write.epoch >= newest.epoch) newest = write;
  }
  for (const overlap of overlaps)
    violations.push({
      checker: 'one-primary-per-instant',
      detail: `${overlap.regions.join(' and ')} held a lease at once at ${overlap.realMs.toFixed(1)} ms`,
    });
  return violations;
}

/** Every write acknowledged with majority durability is in the final primary's log. */
export function checkNoMajorityWriteLost(operations: readonly Operation[], final: FinalState): Violation[] {
  const log = final.primary === undefined ? [] : (final.logs.get(final.primary) ?? []);
  const present = new Set(log.map((record) => record.writeId));
  return operations
    .filter(
      (op) =>
        op.kind === 'write' && op.durability === 'majority' && op.outcome === 'ok' && !present.has(op.writeId ?? -1),
    )
    .map((op) => ({
      checker: 'no-majority-write-lost',
      detail: `write w${op.writeId} to ${op.key} was acknowledged to a majority and is gone`,
    }));
}

/** Every region's log and keyspace equal the primary's. */
export function checkConverged(final: FinalState): Violation[] {
  if (final.primary === undefined) return [{ checker: 'converged', detail: 'no primary after the run healed' }];
  const violations: Violation[] = [];
  const log = final.logs.get(final.primary) ?? [];
  const digest = final.digests.get(final.primary);
  for (const [region, other] of final.logs) {
    if (region === final.primary) continue;
    const same =
      other.length === log.length &&
      other.every((record, index) => record.epoch === log[index]?.epoch && record.writeId === log[index]?.writeId);
    if (!same)
      violations.push({
        checker: 'converged',
        detail: `${region}'s log (${other.length} entries) differs from primary ${final.primary}'s (${log.length})`,
      });
    else if (final.digests.get(region) !== digest)
      violations.push({
        checker: 'converged',
        detail: `${region}'s keyspace digest differs from primary ${final.primary}'s`,
      });
  }
  return violations;
}

/**
 * Strong reads are linearizable, per key (a register whose writes carry unique values). The final log
 * fixes the order of the writes that took effect; with that order, a history is linearizable exactly
 * when: a read returns a write that survived (or the empty key), invoked before the read answered; no
 * write after it in the order was acknowledged before the read began; reads that follow one another
 * in real time never go back in the order; and acknowledged writes follow one another in that order.
 */
export function checkStrongReadsLinearizable(operations: readonly Operation[], final: FinalState): Violation[] {
  const log = final.primary === undefined ? [] : (final.logs.get(final.primary) ?? []);
  const position = new Map<number, number>();
  log.forEach((record, index) => {
    if (record.writeId !== 0) position.set(record.writeId, index + 1);
  });
  const writes = new Map<number, Operation>();
  for (const op of operations) if (op.kind === 'write' && op.writeId !== undefined) writes.set(op.writeId, op);
  const violations: Violation[] = [];
  const byKey = new Map<string, Operation[]>();
  for (const op of operations) {
    if (op.kind === 'session-read') continue;
    if (op.kind === 'strong-read' && op.outcome !== 'ok') continue;
    const list = byKey.get(op.key) ?? [];
    list.push(op);
    byKey.set(op.key, list);
  }
  for (const [key, ops] of byKey) {
    const reads = ops.filter((op) => op.kind === 'strong-read');
    const index = (writeId: number): number => (writeId === 0 ? 0 : (position.get(writeId) ?? -1));
    // Acknowledged writes that took effect (one acknowledged by the primary alone may be lost: it never took effect).
    const acked = ops.filter((op) => op.kind === 'write' && op.outcome === 'ok' && index(op.writeId ?? 0) > 0);
    for (const read of reads) {
      const k = index(read.readWriteId ?? 0);
      const completed = read.completedMs ?? Infinity;
      if (k < 0) {
        violations.push({
          checker: 'strong-linearizable',
          detail: `a strong read of ${key} returned w${read.readWriteId}, a write that did not survive`,
        });
        continue;
      }
      const write = writes.get(read.readWriteId ?? 0);
      if (write !== undefined && write.invokedMs > completed)
        violations.push({
          checker: 'strong-linearizable',
          detail: `a strong read of ${key} returned w${read.readWriteId} before that write was sent`,
        });
      for (const other of acked) {
        if ((other.completedMs ?? Infinity) < read.invokedMs && index(other.writeId ?? 0) > k)
          violations.push({
            checker: 'strong-linearizable',
            detail: `a strong read of ${key} at ${read.invokedMs.toFixed(1)} ms returned w${read.readWriteId}, older than w${other.writeId}, acknowledged at ${(other.completedMs ?? 0).toFixed(1)} ms`,
          });
      }
      for (const earlier of reads) {
        if ((earlier.completedMs ?? Infinity) < read.invokedMs && index(earlier.readWriteId ?? 0) > k)
          violations.push({
            checker: 'strong-linearizable',
            detail: `strong reads of ${key} went back: w${earlier.readWriteId} then w${read.readWriteId}`,
          });
      }
    }
    for (const a of acked)
      for (const b of acked)
        if ((a.completedMs ?? Infinity) < b.invokedMs && index(a.writeId ?? 0) > index(b.writeId ?? 0))
          violations.push({
            checker: 'strong-linearizable',
            detail: `w${a.writeId} and w${b.writeId} to ${key} are in the log against real-time order`,
          });
  }
  return violations;
}

/** A session read never returns something older than the client's own last acknowledged write to the key. */
export function checkSessionReads(operations: readonly Operation[], final: FinalState): Violation[] {
  const log = final.primary === undefined ? [] : (final.logs.get(final.primary) ?? []);
  const position = new Map<number, number>();
  log.forEach((record, index) => {
    if (record.writeId !== 0) position.set(record.writeId, index + 1);
  });
  const violations: Violation[] = [];
  for (const read of operations) {
    if (read.kind !== 'session-read') continue;
    if (read.outcome === 'token-lost') {
      if (position.has(read.tokenWriteId ?? 0))
        violations.push({
          checker: 'session',
          detail: `a session read said w${read.tokenWriteId} was lost, but it survived`,
        });
      continue;
    }
    if (read.ownWriteId === undefined || read.ownWriteId === 0) continue;
    const own = position.get(read.ownWriteId);
    if (read.outcome !== 'ok' || own === undefined) continue;
    // A value that did not survive (acknowledged by a primary alone, then lost) says nothing of the order.
    const seen = read.readWriteId === 0 ? 0 : position.get(read.readWriteId ?? 0);
    if (seen !== undefined && seen < own)
      violations.push({
        checker: 'session',
        detail: `client ${read.client}'s session read of ${read.key} returned ${read.readWriteId === 0 ? 'nothing' : `w${read.readWriteId}`}, older than its own write w${read.ownWriteId}`,
      });
  }
  return violations;
}
