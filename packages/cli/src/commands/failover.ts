import type { Command } from 'commander';
import { MeridianError } from '@meridian/engine';
import {
  EXIT_FAILURE,
  type LoadedTopology,
  UsageError,
  action,
  exitCodesForUsage,
  findRegion,
  httpCall,
  loadTopology,
  regionUrl,
  resolveSecrets,
} from './topology-shared.js';

export interface FailoverOptions {
  config?: string;
  to?: string;
  /** How long the target may take to catch up with the fenced primary (default 10 s). */
  catchUpTimeoutMs?: number;
  /**
   * The primary is down: promote the target without fencing it, from what the target holds.
   * Writes only the old primary had acknowledged are lost (as in Redis and Upstash); the old primary
   * discards them when it comes back and follows.
   */
  force?: boolean;
  json: boolean;
}

/** What a manual failover did and how long each step took. */
export interface FailoverReport {
  readonly from: string;
  readonly to: string;
  readonly epoch: number;
  /** The primary's last offset when it stopped taking writes: everything up to it survives. */
  readonly fencedAtOffset: number;
  /** Fence → the target caught up. */
  readonly catchUpMs: number;
  /** Fence → the new primary took its first write: the time without a writable primary. */
  readonly unwritableMs: number;
  /** Fence → every other region follows the new primary. */
  readonly totalMs: number;
  readonly followers: readonly string[];
  /** Regions that did not answer (a forced failover's dead primary): they follow when they return. */
  readonly unreachable: readonly string[];
}

interface RegionStatus {
  readonly role: string;
  readonly epoch: number;
  readonly appliedOffset: number;
  readonly replicationId: string;
  /** Automatic failover: whether the region holds a lease as primary. */
  readonly leaseHeld: boolean;
}

const POLL_MS = 25;
const SWITCH_TIMEOUT_MS = 15_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The manual failover (docs/failover.md): fence the primary (writes refused, its last offset
 * known), wait until the target has applied that offset, promote it with epoch + 1 continuing the
 * old history, then make every other region (the old primary included) follow it. Nothing the old
 * primary acknowledged is lost: it took no write after the offset the target reached.
 */
export async function runFailover(
  loaded: LoadedTopology,
  adminToken: string | undefined,
  options: FailoverOptions,
): Promise<FailoverReport> {
  const { config } = loaded;
  if (options.to === undefined) throw new UsageError('--to <region> is required');
  const target = findRegion(config, options.to);
  const urlOf = (name: string): string => regionUrl(findRegion(config, name), config);
  const status = async (name: string): Promise<RegionStatus> => {
    const answer = await httpCall(`${urlOf(name)}/_meridian/status`, { token: adminToken, timeoutMs: 2000 }, name);
    if (answer.status !== 200)
      throw new MeridianError(
        'MERIDIAN_FAILOVER_FAILED',
        `${name}: /_meridian/status answered ${answer.status}: ${answer.body}`,
      );
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    return {
      role: String(body['role']),
      epoch: typeof body['epoch'] === 'number' ? body['epoch'] : 0,
      appliedOffset: typeof body['appliedOffset'] === 'number' ? body['appliedOffset'] : 0,
      replicationId: String(body['replicationId'] ?? ''),
      leaseHeld: (body['election'] as { leaseHeld?: unknown } | undefined)?.leaseHeld === true,
    };
  };
  const post = async (name: string, step: string, body: unknown): Promise<Record<string, unknown>> => {
    const answer = await httpCall(
      `${urlOf(name)}/_meridian/failover/${step}`,
      { method: 'POST', token: adminToken, body: JSON.stringify(body), timeoutMs: 5000 },
      name,
    );
    if (answer.status !== 200 && answer.status !== 202) {
      throw new MeridianError('MERIDIAN_FAILOVER_FAILED', `${name}: ${step} answered ${answer.status}: ${answer.body}`);
    }
    return JSON.parse(answer.body) as Record<string, unknown>;
  };
  const until = async (what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await check().catch(() => false)) return;
      if (Date.now() > deadline)
        throw new MeridianError('MERIDIAN_FAILOVER_FAILED', `${what} did not happen within ${timeoutMs} ms`);
      await sleep(POLL_MS);
    }
  };

  const from = config.primary;
  if (target.name === from) throw new UsageError(`${from} is already the primary`);
  const current = await status(from).catch((error: unknown) => {
    if (options.force === true) return undefined;
    throw new MeridianError(
      'MERIDIAN_FAILOVER_FAILED',
      `${error instanceof Error ? error.message : String(error)}; if the primary is down, --force promotes ${target.name} from what it holds`,
    );
  });
  if (current !== undefined && current.role !== 'primary') {
    throw new MeridianError(
      'MERIDIAN_FAILOVER_FAILED',
      `${from} reports role ${current.role}, not primary: is a failover already under way?`,
    );
  }
  const others = config.regions.map((r) => r.name).filter((name) => name !== from && name !== target.name);
  const seen = new Map<string, RegionStatus>();
  for (const name of [target.name, ...others]) {
    const answer = await status(name).catch(() => undefined);
    if (answer !== undefined) seen.set(name, answer);
  }
  const targetStatus = seen.get(target.name);
  if (targetStatus === undefined) throw new MeridianError('MERIDIAN_FAILOVER_FAILED', `${target.name} does not answer`);
  const epoch = Math.max(current?.epoch ?? 0, ...[...seen.values()].map((s) => s.epoch)) + 1;
  const startedAt = Date.now();
  let previousHistory: { replicationId: string; offset: number };
  let fencedAtOffset: number;
  if (current !== undefined) {
    const fenced = await post(from, 'fence', { to: target.name });
    fencedAtOffset = Number(fenced['offset']);
    const history = { replicationId: String(fenced['replicationId']), offset: fencedAtOffset };
    previousHistory = history;
    try {
      await until(
        `${target.name} catching up to offset ${fencedAtOffset}`,
        options.catchUpTimeoutMs ?? 10_000,
        async () => {
          const now = await status(target.name);
          return (
            now.role === 'replica' && now.appliedOffset >= history.offset && now.replicationId === history.replicationId
          );
        },
      );
    } catch (error) {
      await post(from, 'unfence', {}).catch(() => undefined);
      throw error;
    }
  } else {
    // Forced: the most up-to-date reachable replica must be the target, or writes it lacks are lost too.
    const ahead = [...seen].find(
      ([name, s]) =>
        name !== target.name &&
        s.replicationId === targetStatus.replicationId &&
        s.appliedOffset > targetStatus.appliedOffset,
    );
    if (ahead !== undefined) {
      throw new MeridianError(
        'MERIDIAN_FAILOVER_FAILED',
        `${ahead[0]} holds offset ${ahead[1].appliedOffset}, ahead of ${target.name} (${targetStatus.appliedOffset}): promote ${ahead[0]} instead`,
      );
    }
    fencedAtOffset = targetStatus.appliedOffset;
    previousHistory = { replicationId: targetStatus.replicationId, offset: fencedAtOffset };
  }
  const catchUpMs = Date.now() - startedAt;
  if (config.failover.automatic) {
    // The regions elect: the target stands at once (voters need not wait when the primary resigned).
    await post(target.name, 'elect', { transfer: current !== undefined });
    let elected = epoch;
    await until(`${target.name} elected primary with a lease`, SWITCH_TIMEOUT_MS, async () => {
      const now = await status(target.name);
      elected = now.epoch;
      return now.role === 'primary' && now.epoch >= epoch && now.leaseHeld;
    });
    const unwritableMs = Date.now() - startedAt;
    const followers = [...(current === undefined ? [] : [from]), ...others.filter((name) => seen.has(name))];
    await until('every region following the new primary', SWITCH_TIMEOUT_MS, async () => {
      const now = await Promise.all(followers.map((name) => status(name)));
      return now.every((s) => s.role === 'replica' && s.epoch === elected);
    });
    return {
      from,
      to: target.name,
      epoch: elected,
      fencedAtOffset,
      catchUpMs,
      unwritableMs,
      totalMs: Date.now() - startedAt,
      followers,
      unreachable: [...(current === undefined ? [from] : []), ...others.filter((name) => !seen.has(name))],
    };
  }
  await post(target.name, 'promote', { epoch, previousHistory });
  await until(`${target.name} becoming primary of epoch ${epoch}`, SWITCH_TIMEOUT_MS, async () => {
    const now = await status(target.name);
    return now.role === 'primary' && now.epoch === epoch;
  });
  const unwritableMs = Date.now() - startedAt;
  // The old primary first (it is fenced until it follows); regions that do not answer follow when they return.
  const followers = [...(current === undefined ? [] : [from]), ...others.filter((name) => seen.has(name))];
  const unreachable = [...(current === undefined ? [from] : []), ...others.filter((name) => !seen.has(name))];
  for (const name of followers) await post(name, 'follow', { epoch, primary: target.name });
  await until('every region following the new primary', SWITCH_TIMEOUT_MS, async () => {
    const now = await Promise.all(followers.map((name) => status(name)));
    return now.every((s) => s.role === 'replica' && s.epoch === epoch);
  });
  return {
    from,
    to: target.name,
    epoch,
    fencedAtOffset,
    catchUpMs,
    unwritableMs,
    totalMs: Date.now() - startedAt,
    followers,
    unreachable,
  };
}

export function registerFailoverCommand(program: Command): void {
  const command = program
    .command('failover')
    .description(
      'hand the primary role to another region: the primary stops taking writes, the target catches up and is promoted with a new epoch, every other region follows it (nothing acknowledged is lost)',
    )
    .requiredOption('--to <region>', 'the region to promote')
    .option('--config <file>', 'regions.yaml of the running topology')
    .option('--catch-up-timeout-ms <ms>', 'how long the target may take to catch up (10000)', (text: string) =>
      Number(text),
    )
    .option(
      '--force',
      'the primary is down: promote the target from what it holds (writes only the old primary had are lost)',
      false,
    )
    .option('--json', 'print the report as JSON', false);
  exitCodesForUsage(command);
  command.action(
    action(command, async (options: FailoverOptions) => {
      const loaded = loadTopology(options.config);
      const secrets = resolveSecrets(loaded, false);
      try {
        const report = await runFailover(loaded, secrets.adminToken ?? secrets.token, options);
        if (options.json) console.log(JSON.stringify(report));
        else {
          console.log(
            `failover: ${report.from} → ${report.to} (epoch ${report.epoch}); every write up to offset ${report.fencedAtOffset} kept`,
          );
          console.log(
            `  caught up in ${report.catchUpMs} ms; writes refused for ${report.unwritableMs} ms; ${report.followers.join(', ')} following after ${report.totalMs} ms`,
          );
          if (report.unreachable.length > 0) {
            console.log(
              `  ${report.unreachable.join(', ')} did not answer: they follow ${report.to} when they come back`,
            );
          }
        }
      } catch (error) {
        if (!(error instanceof MeridianError)) throw error;
        console.error(`meridian failover: ${error.message}`);
        process.exitCode = EXIT_FAILURE;
      }
    }),
  );
}
