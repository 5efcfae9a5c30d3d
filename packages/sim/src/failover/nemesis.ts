import type { SeededRandom, VirtualClock } from '@meridian/lag';
import type { FailoverWorld } from './world.js';

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

/** What one fault did: where it hit, and whether a new epoch began before it healed. */
export interface FaultRecord {
  readonly fault: PlannedFault;
  readonly region: string;
  failedOver: boolean;
}

/**
 * Causes the planned faults on the world's clock: each hits the primary of the moment (or a region
 * the seed picks) and heals after its duration; at `healAtMs` everything still broken heals at once.
 */
export class Nemesis {
  readonly records: FaultRecord[] = [];
  private readonly healers: (() => void)[] = [];
  private readonly regionNames: string[];

  constructor(
    private readonly world: FailoverWorld,
    private readonly clock: VirtualClock,
    private readonly random: SeededRandom,
    private readonly configuredPrimary: string,
  ) {
    this.regionNames = [...world.nodes.keys()];
  }

  /** The up region that is primary in the newest epoch (the configured one when none is). */
  currentPrimary(): string {
    let best: string | undefined;
    let bestTerm = -1;
    for (const node of this.world.nodes.values())
      if (node.up && node.election?.role.kind === 'primary' && node.election.term > bestTerm) {
        best = node.name;
        bestTerm = node.election.term;
      }
    return best ?? this.configuredPrimary;
  }

  schedule(faults: readonly PlannedFault[], healAtMs: number): void {
    for (const fault of faults) this.clock.setTimer(fault.startMs, () => this.inject(fault));
    this.clock.setTimer(healAtMs, () => this.healAll());
  }

  private newestTerm(): number {
    return Math.max(...[...this.world.nodes.values()].map((node) => node.election?.term ?? 0));
  }

  private inject(fault: PlannedFault): void {
    const { regionNames } = this;
    const region = fault.atPrimary
      ? this.currentPrimary()
      : (regionNames[Math.floor(this.random.next() * regionNames.length)] as string);
    const termAtStart = this.newestTerm();
    const record: FaultRecord = { fault, region, failedOver: false };
    this.records.push(record);
    const heal = this.cause(fault, region);
    this.healers.push(heal);
    this.clock.setTimer(fault.durationMs, () => {
      record.failedOver = this.newestTerm() > termAtStart;
      heal();
      this.healers.splice(this.healers.indexOf(heal), 1);
    });
  }

  /** Causes `fault` at `region`; returns what heals it. */
  private cause(fault: PlannedFault, region: string): () => void {
    const { world, regionNames } = this;
    const node = world.node(region);
    const cut = (from: string, to: string): void => {
      world.blocked.add(`${from}>${to}`);
    };
    switch (fault.kind) {
      case 'crash':
        node.crash();
        return () => node.boot();
      case 'pause':
        node.pause();
        return () => node.resume();
      case 'isolate':
      case 'asymmetric-out':
      case 'asymmetric-in':
        for (const other of regionNames.filter((name) => name !== region)) {
          if (fault.kind !== 'asymmetric-in') cut(region, other);
          if (fault.kind !== 'asymmetric-out') cut(other, region);
        }
        return () => world.blocked.clear();
      case 'split': {
        const shuffled = [...regionNames].sort(() => this.random.next() - 0.5);
        const minority = new Set(shuffled.slice(0, Math.floor(regionNames.length / 2)));
        if (!minority.has(region) && this.random.next() < 0.5) minority.add(region);
        for (const a of regionNames) for (const b of regionNames) if (minority.has(a) !== minority.has(b)) cut(a, b);
        return () => world.blocked.clear();
      }
      case 'skew':
        node.clock.skew(fault.rate ?? 1);
        return () => undefined;
    }
  }

  private healAll(): void {
    for (const heal of this.healers.splice(0)) heal();
    this.world.blocked.clear();
    for (const node of this.world.nodes.values()) {
      if (!node.up) node.boot();
      if (node.paused) node.resume();
    }
  }
}
