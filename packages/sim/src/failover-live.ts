import { MeridianError } from '@meridian/engine';
import { ExperimentUnavailableError } from './experiment-errors.js';
import type { FailoverReportRow } from './failover-command.js';
import type { FaultKind } from './failover/run.js';
import type { LiveTopology } from './live.js';

/** The faults live mode can cause to a process: SIGKILL (restarted after) and SIGSTOP (continued after). */
export const LIVE_FAILOVER_FAULTS = ['crash', 'pause'] as const satisfies readonly FaultKind[];
export type LiveFailoverFault = (typeof LIVE_FAILOVER_FAULTS)[number];

export interface LiveFailoverOptions {
  readonly faults: readonly LiveFailoverFault[];
  /** How long each fault lasts before the region is restarted or continued (default 8 s). */
  readonly faultMs?: number;
  readonly log?: (line: string) => void;
}

interface Write {
  readonly key: string;
  readonly value: string;
  readonly durability: 'none' | 'majority';
  outcome: 'pending' | 'ok' | 'failed';
  ackedAtMs: number;
}

const WRITERS = 8;
const POLL_MS = 50;

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function until<T>(
  topology: LiveTopology,
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = topology.nowMs() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (topology.nowMs() > deadline)
      throw new MeridianError('MERIDIAN_EXPERIMENT_FAILED', `${what} did not happen within ${timeoutMs} ms`);
    await sleep(POLL_MS);
  }
}

async function writablePrimary(
  topology: LiveTopology,
  exclude?: string,
): Promise<{ region: string; epoch: number } | undefined> {
  const statuses = await Promise.all(
    topology.regions
      .filter((region) => region.name !== exclude)
      .map(async (region) => ({
        region: region.name,
        status: await topology.failoverStatus?.(region.name).catch(() => undefined),
      })),
  );
  const found = statuses.find(({ status }) => status?.role === 'primary' && status.leaseHeld);
  return found === undefined ? undefined : { region: found.region, epoch: found.status?.epoch ?? 0 };
}

/**
 * `meridian experiment failover --mode live`: per fault, on a topology started with automatic failover,
 * kill or stop the primary's process under write load (half the writes with majority durability,
 * sent to the other regions), and measure when a region stood for election, the longest time no write
 * was acknowledged, and which acknowledged writes the topology no longer holds once it settled.
 */
export async function runLiveFailover(
  topology: LiveTopology,
  options: LiveFailoverOptions,
): Promise<FailoverReportRow[]> {
  if (topology.failoverStatus === undefined)
    throw new ExperimentUnavailableError('live failover needs the regions’ status (failoverStatus)');
  const rows: FailoverReportRow[] = [];
  for (const fault of options.faults) rows.push(await liveFault(topology, fault, options));
  return rows;
}

/** One fault at the primary under load: caused, healed, settled and checked. */
async function liveFault(
  topology: LiveTopology,
  fault: LiveFailoverFault,
  options: LiveFailoverOptions,
): Promise<FailoverReportRow> {
  const primary = await until(topology, 'a writable primary', 30_000, () => writablePrimary(topology));
  options.log?.(`${fault}: the primary is ${primary.region} (epoch ${primary.epoch})`);
  const others = topology.regions.map((r) => r.name).filter((name) => name !== primary.region);
  const load = startLoad(topology, fault, others);
  await sleep(1_500);
  const startMs = topology.nowMs();
  if (fault === 'crash') await topology.crash(primary.region);
  else await topology.pause?.(primary.region);
  let detectMs: number | undefined;
  let electedMs: number | undefined;
  const faultMs = options.faultMs ?? 8_000;
  while (topology.nowMs() - startMs < faultMs) {
    const statuses = await Promise.all(
      others.map((region) => topology.failoverStatus?.(region).catch(() => undefined)),
    );
    const now = topology.nowMs() - startMs;
    if (detectMs === undefined && statuses.some((s) => s !== undefined && s.term > primary.epoch)) detectMs = now;
    if (
      electedMs === undefined &&
      statuses.some((s) => s?.role === 'primary' && s.leaseHeld && s.epoch > primary.epoch)
    )
      electedMs = now;
    await sleep(POLL_MS);
  }
  if (fault === 'crash') await topology.restart(primary.region);
  else await topology.resume?.(primary.region);
  const healedMs = topology.nowMs();
  await sleep(3_000);
  const writes = await load.stop();
  const converged = await settled(topology);
  const final = await until(topology, 'a writable primary after the fault', 30_000, () => writablePrimary(topology));
  const { lost, last } = await lostWrites(topology, writes, final.region);
  const acked = writes.filter((write) => write.outcome === 'ok').sort((a, b) => a.ackedAtMs - b.ackedAtMs);
  let longest = 0;
  let previous = startMs;
  for (const write of acked) {
    if (write.ackedAtMs < startMs) continue;
    longest = Math.max(longest, write.ackedAtMs - previous);
    previous = write.ackedAtMs;
    if (write.ackedAtMs > healedMs) break;
  }
  const checked = [...last.values()].filter((write) => write.outcome === 'ok');
  const row: FailoverReportRow = {
    fault,
    region: primary.region,
    detectMs,
    unwritableMs: acked.some((write) => write.ackedAtMs >= startMs) ? longest : undefined,
    failedOver: final.epoch > primary.epoch,
    lostNone: lost.none,
    acknowledgedNone: checked.filter((write) => write.durability === 'none').length,
    lostMajority: lost.majority,
    acknowledgedMajority: checked.filter((write) => write.durability === 'majority').length,
    violations: lost.majority + (converged ? 0 : 1),
  };
  options.log?.(
    `${fault}: ${final.region} is primary of epoch ${final.epoch}${electedMs === undefined ? '' : `, writable ${Math.round(electedMs)} ms after the fault`}`,
  );
  return row;
}

/** Writers sending SETs to the regions other than the primary (half with majority durability) until stopped. */
function startLoad(
  topology: LiveTopology,
  fault: LiveFailoverFault,
  regions: readonly string[],
): { stop(): Promise<Write[]> } {
  const writes: Write[] = [];
  let running = true;
  const writer = async (w: number): Promise<void> => {
    for (let i = 0; running; i++) {
      const write: Write = {
        key: `failover:${fault}:${w}:${i % 10}`,
        value: `${w}-${i}`,
        durability: w % 2 === 0 ? 'majority' : 'none',
        outcome: 'pending',
        ackedAtMs: 0,
      };
      writes.push(write);
      const region = regions[(w + i) % regions.length] as string;
      try {
        const answer = await topology.request(
          region,
          ['SET', write.key, write.value],
          write.durability === 'majority' ? { 'x-meridian-durability': 'majority' } : {},
        );
        const ok = answer.status === 200 && (answer.body as { result?: unknown } | null)?.result === 'OK';
        write.outcome = ok ? 'ok' : 'failed';
        write.ackedAtMs = topology.nowMs();
      } catch {
        write.outcome = 'failed';
      }
      await sleep(10);
    }
  };
  const done = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  return {
    stop: async () => {
      running = false;
      await done;
      return writes;
    },
  };
}

/** Whether every region reaches the same digest (bounded); true when the topology cannot say. */
async function settled(topology: LiveTopology): Promise<boolean> {
  if (topology.digest === undefined) return true;
  return until(topology, 'every region at one digest', 30_000, async () => {
    const digests = await Promise.all(topology.regions.map((r) => topology.digest?.(r.name)));
    return digests.every((d) => d?.digest === digests[0]?.digest && d?.offset === digests[0]?.offset)
      ? true
      : undefined;
  }).catch(() => false);
}

/**
 * Per key, the last write attempted: when it was acknowledged, the topology must still hold it. Returns
 * how many such writes are gone, by durability, and the writes checked.
 */
async function lostWrites(
  topology: LiveTopology,
  writes: readonly Write[],
  primary: string,
): Promise<{ lost: { none: number; majority: number }; last: Map<string, Write> }> {
  const last = new Map<string, Write>();
  for (const write of writes) last.set(write.key, write);
  const lost = { none: 0, majority: 0 };
  for (const write of last.values()) {
    if (write.outcome !== 'ok') continue;
    const answer = await topology.request(primary, ['GET', write.key], { 'x-meridian-consistency': 'strong' });
    if ((answer.body as { result?: unknown } | null)?.result !== write.value) lost[write.durability]++;
  }
  return { lost, last };
}
