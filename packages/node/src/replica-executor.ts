import { type ByteString, Engine, type Reply, ReplyError } from '@meridian/engine';
import type { Clock } from '@meridian/lag';
import { encodeJsonError, formatSyncToken } from '@meridian/rest';
import type { BatchOutcome, CommandBatch, CommandRouter, ForwardedOutcome, RunContext, RunResult } from './executor.js';
import { isWait } from './executor.js';
import { FORWARDED_BY_HEADER, type PrimaryForwarder } from './forwarder.js';
import { PIPELINE_SLICE_COMMANDS_DEFAULT, runInSlices } from './pipeline-slices.js';

/** What the replica executor needs from replication (ReplicationReplica). */
export interface ReplicaPosition {
  readonly appliedOffset: number;
  waitForOffset(offset: number, timeoutMs: number): Promise<boolean>;
}

export interface ReplicaExecutorOptions {
  readonly engine: Engine;
  readonly clock: Clock;
  readonly position: ReplicaPosition;
  /** The primary's replication id the local data belongs to ('' before the first sync). */
  readonly replicationId: () => string;
  /** How stale the local data may be, in ms; Infinity when nothing proves any freshness. */
  readonly stalenessMs: () => number;
  readonly forwarder: PrimaryForwarder;
  /** How long a read waits for the replica to reach its sync token before going to the primary. */
  readonly syncWaitMsMax: number;
}

/**
 * A replica's commands: reads run on the local engine; writes, WAIT, transactions and pipelines
 * with any write are handed to the primary, as are reads the replica cannot serve as asked — a
 * sync token it does not reach within `syncWaitMsMax`, `strong`, or `bounded` when it is staler
 * than the bound.
 */
export class ReplicaExecutor implements CommandRouter {
  constructor(private readonly options: ReplicaExecutorOptions) {}

  currentSyncToken(): string {
    return formatSyncToken(this.options.replicationId() || 'none', this.options.position.appliedOffset);
  }

  currentStalenessMs(): number {
    const staleness = this.options.stalenessMs();
    return Number.isFinite(staleness) ? staleness : 0;
  }

  run(batch: CommandBatch, context: RunContext): RunResult | Promise<RunResult> {
    if (this.mustForward(batch, context)) return this.forward(context, holdsWait(batch));
    const token = context.syncToken;
    const history = this.options.replicationId();
    if (
      token === undefined ||
      (token.replicationId === history && token.offset <= this.options.position.appliedOffset)
    ) {
      return this.runLocally(batch);
    }
    // A token of another history: the primary knows whether it is newer than our data.
    if (token.replicationId !== history) return this.forward(context);
    return this.options.position
      .waitForOffset(token.offset, this.options.syncWaitMsMax)
      .then((reached) => (reached ? this.runLocally(batch) : this.forward(context)));
  }

  private mustForward(batch: CommandBatch, context: RunContext): boolean {
    if (batch.kind === 'transaction') return true;
    const commands = batch.kind === 'command' ? [batch.argv] : batch.commands;
    if (commands.some(needsPrimary)) return true;
    // Data of no known history, or nothing proving how fresh it is: only the primary can answer.
    const stalenessMs = this.options.stalenessMs();
    if (this.options.replicationId() === '' || !Number.isFinite(stalenessMs)) return true;
    const consistency = context.consistency;
    if (consistency === undefined) return false;
    if (consistency.level === 'strong') return true;
    return consistency.level === 'bounded' && stalenessMs > consistency.stalenessMsMax;
  }

  private forward(context: RunContext, waits = false): Promise<ForwardedOutcome> | ForwardedOutcome {
    const from = context.request.headers[FORWARDED_BY_HEADER];
    if (from !== undefined) {
      const message = `ERR this node is a replica, not the primary ${String(from)} forwarded to: check the topology`;
      return {
        forwarded: { status: 508, headers: { 'content-type': 'application/json' }, body: encodeJsonError(message) },
      };
    }
    return this.options.forwarder.forward(context.request, waits).then((forwarded) => ({ forwarded }));
  }

  private runLocally(batch: CommandBatch): BatchOutcome | Promise<BatchOutcome> {
    const commands = batch.kind === 'command' ? [batch.argv] : batch.commands;
    if (commands.length > PIPELINE_SLICE_COMMANDS_DEFAULT) {
      return runInSlices(commands, PIPELINE_SLICE_COMMANDS_DEFAULT, (slice) =>
        this.runLocally({ kind: 'pipeline', commands: slice }),
      );
    }
    const nowMs = Math.floor(this.options.clock.nowMs());
    const replies = new Array<Reply>(commands.length);
    for (let i = 0; i < commands.length; i++) {
      replies[i] = this.options.engine.execute(commands[i] as readonly ByteString[], nowMs).reply;
    }
    return { replies, syncToken: this.currentSyncToken(), stalenessMs: this.currentStalenessMs() };
  }
}

function holdsWait(batch: CommandBatch): boolean {
  return batch.kind === 'command' ? isWait(batch.argv) : batch.commands.some(isWait);
}

/** Writes change data only on the primary; WAIT and PUBLISH are about the primary's replicas and subscribers. */
function needsPrimary(argv: readonly ByteString[]): boolean {
  if (isWait(argv)) return true;
  const resolved = Engine.resolve(argv);
  if (resolved instanceof ReplyError) return false;
  return resolved.isWrite || resolved.name === 'publish';
}
