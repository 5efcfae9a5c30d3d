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
}

interface RegionStatus {
  readonly role: string;
  readonly epoch: number;
  readonly appliedOffset: number;
  readonly replicationId: string;
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
  const urlOf = (name: string): string => regionUrl(findRegion(config, name));
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
  const current = await status(from);
  if (current.role !== 'primary') {
    throw new MeridianError(
      'MERIDIAN_FAILOVER_FAILED',
      `${from} reports role ${current.role}, not primary: is a failover already under way?`,
    );
  }
  const epoch = current.epoch + 1;
  const startedAt = Date.now();
  const fenced = await post(from, 'fence', { to: target.name });
  const fencedAtOffset = Number(fenced['offset']);
  const previousHistory = { replicationId: String(fenced['replicationId']), offset: fencedAtOffset };
  try {
    await until(
      `${target.name} catching up to offset ${fencedAtOffset}`,
      options.catchUpTimeoutMs ?? 10_000,
      async () => {
        const seen = await status(target.name);
        return (
          seen.role === 'replica' &&
          seen.appliedOffset >= fencedAtOffset &&
          seen.replicationId === previousHistory.replicationId
        );
      },
    );
  } catch (error) {
    await post(from, 'unfence', {}).catch(() => undefined);
    throw error;
  }
  const catchUpMs = Date.now() - startedAt;
  await post(target.name, 'promote', { epoch, previousHistory });
  await until(`${target.name} becoming primary of epoch ${epoch}`, SWITCH_TIMEOUT_MS, async () => {
    const seen = await status(target.name);
    return seen.role === 'primary' && seen.epoch === epoch;
  });
  const unwritableMs = Date.now() - startedAt;
  const followers = config.regions.map((r) => r.name).filter((name) => name !== target.name);
  // The old primary first: it is fenced until it follows.
  for (const name of [from, ...followers.filter((name) => name !== from)]) {
    await post(name, 'follow', { epoch, primary: target.name });
  }
  await until('every region following the new primary', SWITCH_TIMEOUT_MS, async () => {
    const seen = await Promise.all(followers.map((name) => status(name)));
    return seen.every((s) => s.role === 'replica' && s.epoch === epoch);
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
        }
      } catch (error) {
        if (!(error instanceof MeridianError)) throw error;
        console.error(`meridian failover: ${error.message}`);
        process.exitCode = EXIT_FAILURE;
      }
    }),
  );
}
