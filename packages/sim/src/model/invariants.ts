/** A simulator invariant failed. The message carries the seed and the command that replays the run. */
export class SimulationInvariantError extends Error {
  readonly code = 'MERIDIAN_SIM_INVARIANT';
  constructor(
    readonly violation: string,
    readonly seed: number,
    readonly replayCommand: string,
    readonly simulatedMs: number,
  ) {
    super(
      `invariant violated at simulated ${simulatedMs.toFixed(3)} ms: ${violation}\n  seed: ${seed}\n  replay: ${replayCommand}`,
    );
    this.name = 'SimulationInvariantError';
  }
}

/** Counts the checks made and throws SimulationInvariantError at the first failure. */
export class InvariantChecker {
  offsetChecks = 0;
  digestChecks = 0;
  guaranteeChecks = 0;
  /** Pub/sub deliveries checked for log order. */
  pubsubChecks = 0;
  private readonly lastApplied = new Map<string, number>();

  constructor(
    private readonly seed: number,
    private readonly replayCommand: string,
    private readonly nowMs: () => number,
    private readonly park: (error: SimulationInvariantError) => void,
  ) {}

  /** Throws, and parks the error first: a caller in production code might swallow the throw. */
  fail(violation: string): never {
    const error = new SimulationInvariantError(violation, this.seed, this.replayCommand, this.nowMs());
    this.park(error);
    throw error;
  }

  /** Offsets applied by a replica are contiguous, increasing and never ahead of the primary's log. */
  applied(region: string, offset: number, primaryLastOffset: number): void {
    this.offsetChecks++;
    const expected = (this.lastApplied.get(region) ?? 0) + 1;
    if (offset !== expected) this.fail(`${region} applied offset ${offset} where ${expected} was due`);
    if (offset > primaryLastOffset)
      this.fail(`${region} applied offset ${offset} beyond the primary's ${primaryLastOffset}`);
    this.lastApplied.set(region, offset);
  }

  /** A snapshot or a restart moves the replica to `offset` (never backwards past what it applied durably). */
  resetTo(region: string, offset: number): void {
    this.lastApplied.set(region, offset);
  }

  appended(offset: number, previous: number): void {
    this.offsetChecks++;
    if (offset !== previous + 1) this.fail(`the primary appended offset ${offset} after ${previous}`);
  }

  digests(region: string, offset: number, primaryDigest: string, replicaDigest: string): void {
    this.digestChecks++;
    if (primaryDigest !== replicaDigest) {
      this.fail(`${region} at offset ${offset} has keyspace digest ${replicaDigest}, the primary had ${primaryDigest}`);
    }
  }
}
