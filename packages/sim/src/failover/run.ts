import { ELECTION_DEFAULTS, type ElectionSettings } from '@meridian/core';
import { SeededRandom, VirtualClock } from '@meridian/lag';
import { linkDelayMs, type TopologyConfig } from '@meridian/topology';
import {
  checkConverged,
  checkNoMajorityWriteLost,
  checkOnePrimaryPerEpoch,
  checkOnePrimaryPerInstant,
  checkSessionReads,
  checkStrongReadsLinearizable,
  type FinalState,
  type Operation,
  type Violation,
  writeIdOfValue,
} from './checkers.js';
import { FailoverWorld, type LogRecord, type NodeAnswer } from './world.js';

export type FaultKind = 'crash' | 'pause' | 'isolate' | 'asymmetric-out' | 'asymmetric-in' | 'split' | 'skew';
export const FAULT_KINDS: readonly FaultKind[] = [
  'crash',
  'pause',
  'isolate',
  'asymmetric-out',
  'asymmetric-in',
  'split',
  'skew',
];

export interface PlannedFault {
  readonly kind: FaultKind;
  readonly startMs: number;
  readonly durationMs: number;
  /** Whether it hits the region that is primary when it starts (else a region picked by the seed). */
  readonly atPrimary: boolean;
  /** skew: the clock rate (1 ± up to the drift bound). */
  readonly rate?: number;
}

export interface FailoverRunOptions {
  readonly seed: number;
  readonly config: TopologyConfig;
  readonly durationMs?: number;
  readonly settings?: Partial<ElectionSettings>;
  /** The faults; default: a random schedule from the seed over every kind. */
  readonly faults?: readonly PlannedFault[];
  /** How far the nemesis may skew a clock's rate (default: the drift bound the election assumes). */
  readonly skewMax?: number;
  readonly clientsPerRegion?: number;
}

export interface FaultMeasure {
  readonly kind: FaultKind;
  readonly region: string;
  readonly startMs: number;
  /** From the fault to the first region that noticed the primary gone (undefined: none did). */
  readonly detectMs: number | undefined;
  /** The longest time no region took a write, from the fault until writes flowed again after it. */
  readonly unwritableMs: number | undefined;
  /** Whether a new epoch began during the fault. */
  readonly failedOver: boolean;
}

export interface FailoverRunResult {
  readonly seed: number;
  readonly violations: Violation[];
  readonly epochs: number;
  readonly operations: number;
  readonly writes: { readonly none: DurabilityCount; readonly majority: DurabilityCount };
  readonly discardedEntries: number;
  readonly faults: FaultMeasure[];
  readonly replay: string;
}

export interface DurabilityCount {
  acknowledged: number;
  lost: number;
}

const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];

export function failoverReplayCommand(seed: number): string {
  return `npx meridian experiment failover --seed ${seed}`;
}

/** A random fault schedule: back-to-back faults of every kind, each healed before the next. */
export function randomFaults(random: SeededRandom, fromMs: number, toMs: number, skewMax: number): PlannedFault[] {
  const faults: PlannedFault[] = [];
  let at = fromMs + random.next() * 1_000;
  while (at < toMs - 1_000) {
    const kind = FAULT_KINDS[Math.floor(random.next() * FAULT_KINDS.length)] as FaultKind;
    const durationMs = Math.min(1_000 + random.next() * 7_000, toMs - at);
    faults.push({
      kind,
      startMs: at,
      durationMs,
      atPrimary: random.next() < 0.7,
      ...(kind === 'skew' ? { rate: 1 + skewMax * (2 * random.next() - 1) } : {}),
    });
    at += durationMs + 500 + random.next() * 3_000;
  }
  return faults;
}

/**
 * Runs the regions of `config` under a nemesis and client load on virtual time, then heals, lets
 * them settle, and runs every checker over the recorded history.
 */
export function runFailoverSimulation(options: FailoverRunOptions): FailoverRunResult {
  const { seed, config } = options;
  const durationMs = options.durationMs ?? 30_000;
  const settings: ElectionSettings = { ...ELECTION_DEFAULTS, ...options.settings };
  const random = new SeededRandom(seed);
  const clock = new VirtualClock(0);
  const elections: { region: string; epoch: number }[] = [];
  const accepted: { region: string; epoch: number; realMs: number }[] = [];
  const overlaps: { realMs: number; regions: string[] }[] = [];
  const detections: { realMs: number; region: string }[] = [];
  let discardedEntries = 0;
  const world = new FailoverWorld(
    clock,
    random.fork('network'),
    {
      regions: config.regions.map((region) => ({ name: region.name, priority: region.priority ?? 1 })),
      primary: config.primary,
      delayMs: (from, to) => (from === to ? 0.5 : linkDelayMs(config, from, to)),
      settings,
      commitWaitMs: 2_000,
    },
    {
      accepted: (region, epoch, realMs) => accepted.push({ region, epoch, realMs }),
      elected: (region, epoch) => elections.push({ region, epoch }),
      event: (region, event, realMs) => {
        if (event.kind === 'primary-lost') detections.push({ region, realMs });
      },
      diverged: (_region, discarded) => {
        discardedEntries += discarded;
      },
    },
  );
  world.start();

  // ---- the nemesis ----
  const healAtMs = durationMs - 12_000;
  const faults =
    options.faults ?? randomFaults(random.fork('nemesis'), 2_000, healAtMs, options.skewMax ?? settings.clockDriftMax);
  const regionNames = [...world.nodes.keys()];
  const nemesisRandom = random.fork('targets');
  const currentPrimary = (): string => {
    let best: string | undefined;
    let bestTerm = -1;
    for (const node of world.nodes.values())
      if (node.up && node.election?.role.kind === 'primary' && node.election.term > bestTerm) {
        best = node.name;
        bestTerm = node.election.term;
      }
    return best ?? config.primary;
  };
  const measures: { fault: PlannedFault; region: string; termAtStart: number; failedOver: boolean }[] = [];
  const healers: (() => void)[] = [];
  const cut = (from: string, to: string): void => {
    world.blocked.add(`${from}>${to}`);
  };
  for (const fault of faults) {
    clock.setTimer(fault.startMs, () => {
      const region = fault.atPrimary
        ? currentPrimary()
        : (regionNames[Math.floor(nemesisRandom.next() * regionNames.length)] as string);
      const node = world.node(region);
      const termAtStart = Math.max(...[...world.nodes.values()].map((n) => n.election?.term ?? 0));
      const measure = { fault, region, termAtStart, failedOver: false };
      measures.push(measure);
      const others = regionNames.filter((name) => name !== region);
      let heal: () => void;
      switch (fault.kind) {
        case 'crash':
          node.crash();
          heal = () => node.boot();
          break;
        case 'pause':
          node.pause();
          heal = () => node.resume();
          break;
        case 'isolate':
        case 'asymmetric-out':
        case 'asymmetric-in':
          for (const other of others) {
            if (fault.kind !== 'asymmetric-in') cut(region, other);
            if (fault.kind !== 'asymmetric-out') cut(other, region);
          }
          heal = () => world.blocked.clear();
          break;
        case 'split': {
          const shuffled = [...regionNames].sort(() => nemesisRandom.next() - 0.5);
          const minority = new Set(shuffled.slice(0, Math.floor(regionNames.length / 2)));
          if (!minority.has(region) && nemesisRandom.next() < 0.5) minority.add(region);
          for (const a of regionNames) for (const b of regionNames) if (minority.has(a) !== minority.has(b)) cut(a, b);
          heal = () => world.blocked.clear();
          break;
        }
        case 'skew':
          node.clock.skew(fault.rate ?? 1);
          heal = () => undefined;
          break;
      }
      healers.push(heal);
      clock.setTimer(fault.durationMs, () => {
        measure.failedOver = Math.max(...[...world.nodes.values()].map((n) => n.election?.term ?? 0)) > termAtStart;
        heal();
        healers.splice(healers.indexOf(heal), 1);
      });
    });
  }
  clock.setTimer(healAtMs, () => {
    for (const heal of healers.splice(0)) heal();
    world.blocked.clear();
    for (const node of world.nodes.values()) {
      if (!node.up) node.boot();
      if (node.paused) node.resume();
    }
  });

  // ---- the checks that need the instant: two leases at once ----
  const sample = (): void => {
    const holders = [...world.nodes.values()].filter(
      (node) => node.up && !node.paused && node.election?.holdsLease() === true,
    );
    if (holders.length > 1) overlaps.push({ realMs: clock.nowMs(), regions: holders.map((node) => node.name) });
    if (clock.nowMs() < durationMs) clock.setTimer(5, sample);
  };
  clock.setTimer(5, sample);

  // ---- clients ----
  const operations: Operation[] = [];
  const clientsStopMs = durationMs - 4_000;
  let nextWriteId = 1;
  let client = 0;
  for (const home of regionNames) {
    for (let i = 0; i < (options.clientsPerRegion ?? 1); i++) {
      const id = client++;
      const own = random.fork(`client:${id}`);
      let belief = config.primary;
      let token: { epoch: number; offset: number; writeId: number } | undefined;
      const lastOwnWrite = new Map<string, number>();
      const next = (): void => {
        if (clock.nowMs() >= clientsStopMs) return;
        const roll = own.next();
        const key = KEYS[Math.floor(own.next() * KEYS.length)] as string;
        const kind: Operation['kind'] = roll < 0.45 ? 'write' : roll < 0.75 ? 'strong-read' : 'session-read';
        const writeId = kind === 'write' ? nextWriteId++ : undefined;
        const durability = kind === 'write' ? (own.next() < 0.5 ? 'majority' : 'none') : undefined;
        const sessionToken = token;
        const op: Operation = {
          client: id,
          kind,
          key,
          invokedMs: clock.nowMs(),
          completedMs: undefined,
          outcome: 'timeout',
          ...(writeId === undefined ? {} : { writeId }),
          ...(durability === undefined ? {} : { durability }),
          ...(kind === 'session-read'
            ? { ownWriteId: lastOwnWrite.get(key) ?? 0, tokenWriteId: token?.writeId ?? 0 }
            : {}),
        };
        operations.push(op);
        const target = kind === 'session-read' ? home : belief;
        let settled = false;
        const finish = (answer: NodeAnswer | undefined): void => {
          if (settled) return;
          settled = true;
          if (answer !== undefined) {
            op.completedMs = clock.nowMs();
            op.outcome = answer.kind;
            if (answer.kind === 'ok' && kind !== 'write') op.readWriteId = writeIdOfValue(answer.value);
            if (answer.kind === 'ok' && kind === 'write' && answer.epoch !== undefined && answer.offset !== undefined) {
              token = { epoch: answer.epoch, offset: answer.offset, writeId: writeId ?? 0 };
              lastOwnWrite.set(key, writeId ?? 0);
            }
            if (answer.kind === 'not-primary') {
              const homeNode = world.node(home);
              belief =
                answer.primary ??
                (homeNode.up ? homeNode.election?.primary : undefined) ??
                (regionNames[Math.floor(own.next() * regionNames.length)] as string);
            }
          } else {
            const homeNode = world.node(home);
            belief =
              (homeNode.up ? homeNode.election?.primary : undefined) ??
              (regionNames[Math.floor(own.next() * regionNames.length)] as string);
          }
          clock.setTimer(20 + own.next() * 60, next);
        };
        clock.setTimer(4_000, () => finish(undefined));
        world.request(
          home,
          target,
          (node, reply) => {
            if (kind === 'write') node.write(key, `w${writeId}`, writeId ?? 0, durability ?? 'none', reply);
            else if (kind === 'strong-read') node.strongRead(key, reply);
            else node.sessionRead(key, sessionToken, reply);
          },
          finish,
        );
      };
      clock.setTimer(100 + own.next() * 100, next);
    }
  }

  clock.runUntil(durationMs);
  // Settle: every region follows the final primary's log (bounded).
  const primaryNow = (): string | undefined => {
    const name = currentPrimary();
    return world.node(name).election?.holdsLease() === true ? name : undefined;
  };
  const converged = (): boolean => {
    const primary = primaryNow();
    if (primary === undefined) return false;
    const log = world.node(primary).log;
    return [...world.nodes.values()].every(
      (node) => node.log.length === log.length && node.log[log.length - 1]?.epoch === log[log.length - 1]?.epoch,
    );
  };
  for (let waited = 0; waited < 30_000 && !converged(); waited += 250) clock.runUntil(clock.nowMs() + 250);

  const primary = primaryNow();
  const final: FinalState = {
    primary,
    logs: new Map([...world.nodes].map(([name, node]) => [name, node.log as readonly LogRecord[]])),
    digests: new Map([...world.nodes].map(([name, node]) => [name, node.digest()])),
  };
  const violations = [
    ...checkOnePrimaryPerEpoch(elections),
    ...checkOnePrimaryPerInstant(accepted, overlaps),
    ...checkNoMajorityWriteLost(operations, final),
    ...checkStrongReadsLinearizable(operations, final),
    ...checkSessionReads(operations, final),
    ...checkConverged(final),
  ];
  const finalLog = new Set((primary === undefined ? [] : world.node(primary).log).map((record) => record.writeId));
  const count = (durability: 'none' | 'majority'): DurabilityCount => {
    const acked = operations.filter((op) => op.kind === 'write' && op.durability === durability && op.outcome === 'ok');
    return { acknowledged: acked.length, lost: acked.filter((op) => !finalLog.has(op.writeId ?? -1)).length };
  };
  const faultMeasures: FaultMeasure[] = measures.map(({ fault, region, failedOver }) => {
    const endMs = fault.startMs + fault.durationMs;
    const detected = detections.find(
      (d) => d.realMs >= fault.startMs && d.realMs <= endMs + settings.electionTimeoutMs * 2,
    );
    // The longest time no region took a write, from the fault until writes flow again after it.
    let longest: number | undefined;
    let previous = fault.startMs;
    for (const write of accepted) {
      if (write.realMs < fault.startMs) continue;
      longest = Math.max(longest ?? 0, write.realMs - previous);
      previous = write.realMs;
      if (write.realMs > endMs) break;
    }
    return {
      kind: fault.kind,
      region,
      startMs: fault.startMs,
      detectMs: detected === undefined ? undefined : detected.realMs - fault.startMs,
      unwritableMs: longest,
      failedOver,
    };
  });
  return {
    seed,
    violations,
    epochs: Math.max(0, ...elections.map((e) => e.epoch)),
    operations: operations.length,
    writes: { none: count('none'), majority: count('majority') },
    discardedEntries,
    faults: faultMeasures,
    replay: failoverReplayCommand(seed),
  };
}
