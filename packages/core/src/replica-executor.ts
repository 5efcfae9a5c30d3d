import { type ByteString, type CommandInfo, Engine, type Reply, ReplyError } from '@meridian/engine';
import type { Clock } from '@meridian/lag';
import { encodeJsonError, formatSyncToken } from '@meridian/rest';
import { clockTurn, PIPELINE_SLICE_COMMANDS_DEFAULT, runInSlices, type YieldTurn } from './pipeline-slices.js';
import { FORWARDED_BY_HEADER, type Forwarder } from './ports.js';
import type {
  BatchOutcome,
  CommandBatch,
  CommandRouter,
  ForwardedOutcome,
  RunContext,
  RunResult,
} from './primary-executor.js';
import { isWait } from './primary-executor.js';
import { decideRead, type ReadDecider, type ReplicaReadState } from './read-decision.js';

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
  readonly forwarder: Forwarder;
  /** How long a read waits for the replica to reach its sync token before going to the primary. */
  readonly syncWaitMsMax: number;
  /** The read decision; `decideRead` unless a test swaps it. */
  readonly decide?: ReadDecider;
  /** How a sliced pipeline lets other requests in (the node: setImmediate); a 0 ms clock timer by default. */
  readonly yieldTurn?: YieldTurn;
}

/**
 * A replica's commands: reads run on the local engine; writes, WAIT, transactions and pipelines
 * with any write are handed to the primary, as are reads the replica cannot serve as asked — a
 * sync token it does not reach within `syncWaitMsMax`, `strong`, or `bounded` when it is staler
 * than the bound.
 */
export class ReplicaExecutor implements CommandRouter {
  private readonly state: { -readonly [K in keyof ReplicaReadState]: ReplicaReadState[K] } = {
    replicationId: '',
    appliedOffset: 0,
    stalenessMs: 0,
  };
  /**
   * The name and argument count of the last single command found not to need the primary: a
   * command of the same name and count does not either (what decides it is the command table's
   * entry and the arity check), so reads of one kind skip the table after the first.
   */
  private servedName: ByteString | undefined;
  private servedLength = 0;
  /** Its table entry (what Engine.resolve returned for it): the engine runs it without looking it up again. */
  private servedCommand: CommandInfo | undefined;

  constructor(private readonly options: ReplicaExecutorOptions) {}

  currentSyncToken(): string {
    return formatSyncToken(this.options.replicationId() || 'none', this.options.position.appliedOffset);
  }

  currentStalenessMs(): number {
    const staleness = this.options.stalenessMs();
    return Number.isFinite(staleness) ? staleness : 0;
  }

  run(batch: CommandBatch, context: RunContext): RunResult | Promise<RunResult> {
    if (this.mustForward(batch)) return this.forward(context, holdsWait(batch));
    const position = this.options.position;
    // One state, filled in per read: a decision keeps nothing of it (the simulator decides every read).
    const state = this.state;
    state.replicationId = this.options.replicationId();
    state.appliedOffset = position.appliedOffset;
    state.stalenessMs = this.options.stalenessMs();
    const decision = (this.options.decide ?? decideRead)(state, context.consistency, context.syncToken);
    switch (decision.kind) {
      case 'local':
        // Answered in this step: at the position the decision was made at.
        return this.runLocally(batch, state);
      case 'forward':
        return this.forward(context);
      case 'wait':
        return position
          .waitForOffset(decision.offset, this.options.syncWaitMsMax)
          .then((reached) => (reached ? this.runLocally(batch) : this.forward(context)));
    }
  }

  /** Transactions, and batches with any command that needs the primary, go there whatever the read decision. */
  private mustForward(batch: CommandBatch): boolean {
    if (batch.kind !== 'command') return mustForward(batch, this.options.engine);
    const argv = batch.argv;
    const name = argv[0];
    if (name !== undefined && name === this.servedName && argv.length === this.servedLength) return false;
    const resolved = Engine.resolve(argv);
    if (resolved instanceof ReplyError) {
      // A malformed command is answered here (except WAIT, the primary's to answer).
      return isWait(argv);
    }
    // A script declared read-only runs here, but whether another call of it is depends on its arguments.
    if (resolved.needsPrimary) return !this.options.engine.declaresNoWrites(argv);
    this.servedName = name;
    this.servedLength = argv.length;
    this.servedCommand = resolved;
    return false;
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

  /** `at`: the position as just read, when the batch runs in the same step (a read changes none of it). */
  private runLocally(batch: CommandBatch, at?: ReplicaReadState): BatchOutcome | Promise<BatchOutcome> {
    if (batch.kind === 'command') {
      // One command: no list of one made for it. mustForward just resolved it (the last one served).
      const argv = batch.argv;
      const command = argv[0] === this.servedName && argv.length === this.servedLength ? this.servedCommand : undefined;
      const reply = this.options.engine.executeForReply(argv, Math.floor(this.options.clock.nowMs()), command);
      return this.outcome([reply], at);
    }
    const commands = batch.commands;
    if (commands.length > PIPELINE_SLICE_COMMANDS_DEFAULT) {
      return runInSlices(
        commands,
        PIPELINE_SLICE_COMMANDS_DEFAULT,
        (slice) => this.runLocally({ kind: 'pipeline', commands: slice }),
        this.options.yieldTurn ?? clockTurn(this.options.clock),
      );
    }
    const nowMs = Math.floor(this.options.clock.nowMs());
    const replies = new Array<Reply>(commands.length);
    for (let i = 0; i < commands.length; i++) {
      replies[i] = this.options.engine.executeForReply(commands[i] as readonly ByteString[], nowMs);
    }
    return this.outcome(replies, at);
  }

  /**
   * The answer as of now: the position is taken now (or was, in this same step: `at`), its sync
   * token written only when asked for.
   */
  private outcome(replies: Reply[], at: ReplicaReadState | undefined): BatchOutcome {
    if (at !== undefined) {
      const stalenessMs = Number.isFinite(at.stalenessMs) ? at.stalenessMs : 0;
      return new LocalOutcome(replies, at.replicationId, at.appliedOffset, stalenessMs);
    }
    const replicationId = this.options.replicationId();
    const appliedOffset = this.options.position.appliedOffset;
    return new LocalOutcome(replies, replicationId, appliedOffset, this.currentStalenessMs());
  }
}

/**
 * A replica's own answer. Its sync token (the REST layer writes it as a header; the simulator never
 * reads it) is formatted when read, from the position taken when the answer was made.
 */
class LocalOutcome implements BatchOutcome {
  constructor(
    readonly replies: Reply[],
    private readonly replicationId: string,
    private readonly appliedOffset: number,
    readonly stalenessMs: number,
  ) {}

  get syncToken(): string {
    return formatSyncToken(this.replicationId || 'none', this.appliedOffset);
  }
}

function holdsWait(batch: CommandBatch): boolean {
  return batch.kind === 'command' ? isWait(batch.argv) : batch.commands.some(isWait);
}

/** Transactions, and batches with any command that needs the primary, go there whatever the read decision. */
function mustForward(batch: CommandBatch, engine: Engine): boolean {
  if (batch.kind === 'transaction') return true;
  // A single command is asked directly: no closure made for it (every simulated read is one).
  if (batch.kind === 'command') return primaryOnly(batch.argv, engine);
  return batch.commands.some((argv) => primaryOnly(argv, engine));
}

function primaryOnly(argv: readonly ByteString[], engine: Engine): boolean {
  return needsPrimary(argv) && !engine.declaresNoWrites(argv);
}

/**
 * The command table's `needsPrimary`: writes change data only on the primary; WAIT and PUBLISH are
 * about the primary's replicas and subscribers. A malformed command is answered here, except WAIT,
 * which the primary always answers.
 */
function needsPrimary(argv: readonly ByteString[]): boolean {
  const resolved = Engine.resolve(argv);
  if (resolved instanceof ReplyError) return isWait(argv);
  return resolved.needsPrimary;
}
