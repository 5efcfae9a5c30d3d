import { type ByteString, Engine, findCommandFacts, type Reply, ReplyError } from '@meridian/engine';
import type { Clock } from '@meridian/lag';
import type { RestRequest, SyncToken } from '@meridian/rest';
import { formatSyncToken } from '@meridian/rest';
import type { WriteLog } from '@meridian/store';
import type { Consistency } from './consistency.js';
import { clockTurn, PIPELINE_SLICE_COMMANDS_DEFAULT, runInSlices, type YieldTurn } from './pipeline-slices.js';
import type { RestResponse } from './ports.js';

/** Commands the REST layer asks a node to run, already authenticated and permitted. */
export type CommandBatch =
  | { readonly kind: 'command'; readonly argv: readonly ByteString[] }
  | { readonly kind: 'pipeline'; readonly commands: readonly (readonly ByteString[])[] }
  | { readonly kind: 'transaction'; readonly commands: readonly (readonly ByteString[])[] };

/** What a node knows about the request besides its commands. */
export interface RunContext {
  /** The client's last sync token; undefined when absent or unparseable. */
  readonly syncToken: SyncToken | undefined;
  /** undefined when absent or unparseable (the default level applies). */
  readonly consistency: Consistency | undefined;
  /** The request as received, for a replica that hands it to the primary. */
  readonly request: RestRequest;
  /** `x-meridian-durability: majority`: answer a write only once a majority of regions hold it. */
  readonly durability?: 'majority' | undefined;
}

/** The header that asks for majority durability, and Redis's error when too few replicas acknowledge. */
export const DURABILITY_HEADER = 'x-meridian-durability';
export const ERR_NOREPLICAS = 'NOREPLICAS Not enough good replicas to write.';
/** How long a majority write waits for acknowledgements before answering NOREPLICAS. */
export const MAJORITY_WAIT_MS_DEFAULT = 5_000;

export interface BatchOutcome {
  /** One reply per command; for a discarded transaction the single error (EXECABORT). */
  readonly replies: Reply[] | ReplyError;
  /** The `upstash-sync-token` for the answer: the position the answering node has reached. */
  readonly syncToken: string;
  /** `x-meridian-staleness-ms`: how stale the answering node's data may be (0 on the primary). */
  readonly stalenessMs: number;
}

/** A request another node answered (a replica forwarding to the primary). */
export interface ForwardedOutcome {
  readonly forwarded: RestResponse;
}

export type RunResult = BatchOutcome | ForwardedOutcome;

/**
 * The seam between the REST layer and a node's role. The primary runs everything itself
 * (`PrimaryExecutor`); a replica answers reads locally once it has the client's sync token, and
 * forwards writes and transactions to the primary (`ReplicaExecutor`).
 */
export interface CommandRouter {
  run(batch: CommandBatch, context: RunContext): RunResult | Promise<RunResult>;
  /** The token describing the node's current position (for answers that run no command). */
  currentSyncToken(): string;
  currentStalenessMs(): number;
}

/** Replica acknowledgements, for WAIT (the replication primary). */
export interface ReplicaAcks {
  ackedReplicas(offset: number): number;
  waitForReplicas(replicas: number, offset: number, timeoutMs: number): Promise<number>;
}

export interface PrimaryExecutorOptions {
  readonly engine: Engine;
  readonly log: WriteLog;
  readonly clock: Clock;
  readonly replicationId: string;
  /** Called after every append, in the same synchronous step (replication sends the entry). */
  readonly onAppend?: () => void;
  readonly replicas?: ReplicaAcks;
  /** Bound on WAIT's timeout; WAIT with timeout 0 ("forever") waits this long. */
  readonly waitMsMax?: number;
  /** Replicas that make a majority with the primary (floor(regions / 2)); 0 or absent: the primary alone. */
  readonly majorityReplicas?: number;
  /** How long a majority write waits (default MAJORITY_WAIT_MS_DEFAULT). */
  readonly majorityWaitMs?: number;
  /** Told once, when the log first fails to store a write. */
  readonly onStoreFailure?: (error: Error) => void;
  /**
   * Called once, right after the first store failure: puts the engine back to what the log holds
   * (the refused writes already ran in memory and must not stay visible).
   */
  readonly restoreDurableState?: () => void;
  /** Commands a pipeline runs before other requests are served (pipeline-slices.ts). */
  readonly pipelineSliceCommands?: number;
  /**
   * Automatic failover's fencing: the error every write gets now (undefined: writes are taken). The
   * node asks its Election whether it holds the lease from a majority.
   */
  readonly writeGate?: () => string | undefined;
  /**
   * Automatic failover's read index: a `strong` request is answered only once a majority of regions
   * (`majorityReplicas` replicas) hold everything it could see, so it never returns a write a failover
   * later loses (linearizable). Off: a strong read is answered from the primary's memory at once.
   */
  readonly strongReadIndex?: boolean;
  /** How a sliced pipeline lets other requests in (the node: setImmediate); a 0 ms clock timer by default. */
  readonly yieldTurn?: YieldTurn;
}

const WAIT_MS_MAX_DEFAULT = 25_000;

const EPOCH_MARKER_PREFIX = 'meridian:epoch:';

/** The effect of an epoch's opening log entry. */
export function epochMarkerEffect(epoch: number): ByteString[] {
  return ['ECHO', `${EPOCH_MARKER_PREFIX}${epoch}`];
}

/** The epoch a log entry opens, if it is an epoch marker (a single `ECHO meridian:epoch:<n>` effect). */
export function epochOfMarker(effects: readonly (readonly ByteString[])[]): number | undefined {
  if (effects.length !== 1) return undefined;
  const [name, text] = effects[0] as readonly ByteString[];
  if (name !== 'ECHO' || text === undefined || !text.startsWith(EPOCH_MARKER_PREFIX)) return undefined;
  const epoch = Number(text.slice(EPOCH_MARKER_PREFIX.length));
  return Number.isSafeInteger(epoch) && epoch >= 0 ? epoch : undefined;
}

export function isWait(argv: readonly ByteString[]): boolean {
  const name = argv[0];
  return name !== undefined && name.length === 4 && name.toLowerCase() === 'wait';
}

interface Executed {
  reply: Reply;
  durable: Promise<void> | undefined;
}

/**
 * Runs commands on the primary's engine. Each write's effects become one log entry (one per
 * transaction or pipeline) appended in the same synchronous step, and its answer waits until that entry is
 * durable. The log's offsets are the sync tokens: a write's token is its own offset, a read's the
 * newest offset. Once the log fails to store a write, writes are refused with MISCONF (like Redis
 * when it cannot write its AOF) until the node is restarted, and the keyspace goes back to what the
 * log holds: a write answered MISCONF is not left visible in memory.
 */
export class PrimaryExecutor implements CommandRouter {
  private lastTimeMs = 0;
  private storeFailure: Error | undefined;
  /** The last durability promise seen fulfilled (see `whenDurable`). */
  private fulfilledDurable: Promise<void> | undefined;
  readonly replicationId: string;
  private readonly engine: Engine;
  private readonly log: WriteLog;

  constructor(private readonly options: PrimaryExecutorOptions) {
    this.engine = options.engine;
    this.log = options.log;
    this.replicationId = options.replicationId;
  }

  /** The primary's time, in whole ms and never going backwards (the log's times are ordered). */
  nowMs(): number {
    const now = Math.floor(this.options.clock.nowMs());
    if (now > this.lastTimeMs) this.lastTimeMs = now;
    return this.lastTimeMs;
  }

  get failure(): Error | undefined {
    return this.storeFailure;
  }

  /** Why writes are refused while a failover hands the primary role on (undefined: they are not). */
  fenced: string | undefined;

  /** Refuses every write (and active expiry) with `READONLY <reason>` until `unfence`: the log stops growing. */
  fence(reason: string): void {
    this.fenced = `READONLY ${reason.replace(/[\r\n]+/g, ' ')}`;
  }

  unfence(): void {
    this.fenced = undefined;
  }

  /** The error a write gets now, if any: MISCONF after a store failure, READONLY while fenced or without the lease. */
  private refusal(argv: readonly ByteString[]): string | undefined {
    const gated = this.options.writeGate?.();
    if (this.storeFailure === undefined && this.fenced === undefined && gated === undefined) return undefined;
    if (!isWriteCommand(argv)) return undefined;
    return this.storeFailure !== undefined ? this.misconf() : (this.fenced ?? gated);
  }

  /**
   * Opens epoch `epoch` in the log: an entry whose only effect is `ECHO meridian:epoch:<n>` (it
   * changes nothing where it is applied). Each region learns the epoch of its last entry from these
   * (docs/failover.md), and a new primary's majority acknowledgements count only past it.
   */
  appendEpochMarker(epoch: number): number {
    this.append(this.nowMs(), [epochMarkerEffect(epoch)])?.catch((error: unknown) => this.noteFailure(error));
    return this.log.lastOffset();
  }

  currentSyncToken(): string {
    return formatSyncToken(this.replicationId, this.log.lastOffset());
  }

  currentStalenessMs(): number {
    return 0;
  }

  // The primary is the newest history there is: a token ahead of it comes from another history
  // (a replaced primary) and is ignored.
  run(batch: CommandBatch, context?: RunContext): BatchOutcome | Promise<BatchOutcome> {
    const outcome = this.runBatch(batch);
    const readIndex = this.options.strongReadIndex === true && context?.consistency?.level === 'strong';
    if (context?.durability !== 'majority' && !readIndex) return outcome;
    return outcome instanceof Promise ? outcome.then((done) => this.majority(done)) : this.majority(outcome);
  }

  /**
   * Majority durability (and a strong read's read index): once the write is in the primary's log (or the
   * read has run), wait until enough replicas have
   * durably acknowledged it to make a majority of regions; NOREPLICAS (Redis's min-replicas error)
   * when they do not within the bound. Such a write is never lost in a failover that promotes the
   * most up-to-date replica while a majority is reachable.
   */
  private majority(outcome: BatchOutcome): BatchOutcome | Promise<BatchOutcome> {
    const needed = this.options.majorityReplicas ?? 0;
    const replicas = this.options.replicas;
    if (outcome.replies instanceof ReplyError || needed <= 0 || replicas === undefined) return outcome;
    const offset = this.log.lastOffset();
    if (replicas.ackedReplicas(offset) >= needed) return outcome;
    return replicas
      .waitForReplicas(needed, offset, this.options.majorityWaitMs ?? MAJORITY_WAIT_MS_DEFAULT)
      .then((acked) =>
        acked >= needed
          ? outcome
          : { replies: new ReplyError(ERR_NOREPLICAS), syncToken: outcome.syncToken, stalenessMs: 0 },
      );
  }

  private runBatch(batch: CommandBatch): BatchOutcome | Promise<BatchOutcome> {
    if (batch.kind === 'transaction') return this.runTransaction(batch.commands);
    if (batch.kind === 'pipeline') {
      if (batch.commands.some(isWait)) return this.runWithWaits(batch.commands);
      return this.runPipeline(batch.commands);
    }
    if (isWait(batch.argv)) return this.runWithWaits([batch.argv]);
    const executed = this.execute(batch.argv);
    const replies = [executed.reply];
    const outcome = this.outcome(replies);
    if (executed.durable === undefined) return outcome;
    return this.whenDurable(executed.durable, outcome, (error) => {
      replies[0] = new ReplyError(this.noteFailure(error));
      return outcome;
    });
  }

  /** One round of bounded active expiry; the resulting DELs are logged like any write. */
  expireRound(checksMax: number): number {
    if (this.storeFailure !== undefined || this.fenced !== undefined || this.options.writeGate?.() !== undefined)
      return 0;
    const nowMs = this.nowMs();
    const effects = this.engine.activeExpire(nowMs, checksMax);
    this.append(nowMs, effects)?.catch(() => undefined);
    return effects.length;
  }

  /** The answer as of now: the log's offset is taken now, its sync token written only when asked for. */
  private outcome(replies: Reply[] | ReplyError): BatchOutcome {
    return new PrimaryOutcome(replies, this.replicationId, this.log.lastOffset());
  }

  private runTransaction(commands: readonly (readonly ByteString[])[]): BatchOutcome | Promise<BatchOutcome> {
    const refused = commands.map((argv) => this.refusal(argv)).find((text) => text !== undefined);
    if (refused !== undefined) return this.outcome(new ReplyError(refused));
    const nowMs = this.nowMs();
    const result = this.engine.executeTransaction(commands, nowMs);
    const durable = this.append(nowMs, result.effects);
    const replies = result.replies;
    if (!(replies instanceof ReplyError) && this.options.replicas !== undefined) {
      // Inside MULTI, Redis answers WAIT at once with the replicas that already acknowledged.
      const acked = this.options.replicas.ackedReplicas(this.log.lastOffset());
      commands.forEach((argv, i) => {
        if (isWait(argv) && !(replies[i] instanceof ReplyError)) replies[i] = acked;
      });
    }
    if (durable === undefined) return this.outcome(replies);
    return durable.then(
      () => this.outcome(replies),
      (error: unknown) => this.outcome(new ReplyError(this.noteFailure(error))),
    );
  }

  /**
   * A pipeline's writes become one log entry per slice of `pipelineSliceCommands` (replicas apply
   * each atomically, which is stronger than Redis promises for a pipeline and costs one append, one
   * flush and one promise instead of one per command); other requests are served between slices.
   * The answer waits until every entry is durable; the writes of one that cannot be answer MISCONF.
   */
  private runPipeline(commands: readonly (readonly ByteString[])[]): BatchOutcome | Promise<BatchOutcome> {
    const sliceCommands = this.options.pipelineSliceCommands ?? PIPELINE_SLICE_COMMANDS_DEFAULT;
    if (commands.length > sliceCommands) {
      return runInSlices(
        commands,
        sliceCommands,
        (slice) => this.runPipeline(slice),
        this.options.yieldTurn ?? clockTurn(this.options.clock),
      );
    }
    const replies = new Array<Reply>(commands.length);
    const nowMs = this.nowMs();
    const effects: ByteString[][] = [];
    const writes: number[] = [];
    for (let i = 0; i < commands.length; i++) {
      const argv = commands[i] as readonly ByteString[];
      const refused = this.refusal(argv);
      if (refused !== undefined) {
        replies[i] = new ReplyError(refused);
        continue;
      }
      const before = effects.length;
      replies[i] = this.engine.executeAppending(argv, nowMs, effects);
      if (effects.length > before) writes.push(i);
    }
    const failed = (error: unknown): BatchOutcome => {
      const message = this.noteFailure(error);
      for (const index of writes) replies[index] = new ReplyError(message);
      return this.outcome(replies);
    };
    let durable: Promise<void> | undefined;
    try {
      durable = this.append(nowMs, effects);
    } catch (error) {
      return failed(error);
    }
    const outcome = this.outcome(replies);
    return durable === undefined ? outcome : this.whenDurable(durable, outcome, failed);
  }

  /**
   * `outcome` once `durable` is fulfilled. Logs that are durable on append (in memory, SQLite
   * `everysec`) hand out one shared resolved promise: once it has been seen fulfilled, answers
   * that wait on it are given at once instead of a turn later.
   */
  private whenDurable(
    durable: Promise<void>,
    outcome: BatchOutcome,
    failed: (error: unknown) => BatchOutcome,
  ): BatchOutcome | Promise<BatchOutcome> {
    if (durable === this.fulfilledDurable) return outcome;
    return durable.then(() => {
      this.fulfilledDurable = durable;
      return outcome;
    }, failed);
  }

  private async runWithWaits(commands: readonly (readonly ByteString[])[]): Promise<BatchOutcome> {
    const replies = new Array<Reply>(commands.length);
    const pending: { index: number; durable: Promise<void> }[] = [];
    for (let i = 0; i < commands.length; i++) {
      const argv = commands[i] as readonly ByteString[];
      if (isWait(argv)) {
        replies[i] = await this.waitCommand(argv);
        continue;
      }
      const executed = this.execute(argv);
      replies[i] = executed.reply;
      if (executed.durable !== undefined) pending.push({ index: i, durable: executed.durable });
    }
    await this.settle(replies, pending);
    return this.outcome(replies);
  }

  /** WAIT numreplicas timeout: the replicas that acknowledged the log as it is now. */
  private waitCommand(argv: readonly ByteString[]): Reply | Promise<Reply> {
    const { reply } = this.engine.execute(argv, this.nowMs());
    const replicas = this.options.replicas;
    if (reply instanceof ReplyError || replicas === undefined) return reply;
    const waitMsMax = this.options.waitMsMax ?? WAIT_MS_MAX_DEFAULT;
    const requestedMs = Number(argv[2]);
    const timeoutMs = requestedMs === 0 ? waitMsMax : Math.min(requestedMs, waitMsMax);
    return replicas.waitForReplicas(Number(argv[1]), this.log.lastOffset(), timeoutMs);
  }

  private async settle(replies: Reply[], pending: readonly { index: number; durable: Promise<void> }[]): Promise<void> {
    const settled = await Promise.allSettled(pending.map((write) => write.durable));
    settled.forEach((result, i) => {
      if (result.status === 'rejected') {
        replies[(pending[i] as { index: number }).index] = new ReplyError(this.noteFailure(result.reason));
      }
    });
  }

  private execute(argv: readonly ByteString[]): Executed {
    const refused = this.refusal(argv);
    if (refused !== undefined) return { reply: new ReplyError(refused), durable: undefined };
    const nowMs = this.nowMs();
    const { reply, effects } = this.engine.execute(argv, nowMs);
    try {
      return { reply, durable: this.append(nowMs, effects) };
    } catch (error) {
      return { reply: new ReplyError(this.noteFailure(error)), durable: undefined };
    }
  }

  private append(nowMs: number, effects: ByteString[][]): Promise<void> | undefined {
    if (effects.length === 0) return undefined;
    const { durable } = this.log.append(nowMs, effects);
    this.options.onAppend?.();
    return durable;
  }

  /** Records the first store failure (and reports it once); returns the MISCONF error text. */
  private noteFailure(error: unknown): string {
    if (this.storeFailure === undefined) {
      this.storeFailure = error instanceof Error ? error : new Error(String(error));
      this.options.onStoreFailure?.(this.storeFailure);
      this.options.restoreDurableState?.();
    }
    return this.misconf();
  }

  private misconf(): string {
    const detail = (this.storeFailure?.message ?? 'unknown error').replace(/[\r\n]+/g, ' ');
    return `MISCONF Errors writing to the write log: ${detail}. Writes are refused until the node is restarted.`;
  }
}

/**
 * The primary's answer. Its sync token (the REST layer writes it as a header; the simulator, which
 * runs every modelled write and strong read here, never reads it) is formatted when read, from the
 * offset taken when the answer was made.
 */
class PrimaryOutcome implements BatchOutcome {
  readonly stalenessMs = 0;

  constructor(
    readonly replies: Reply[] | ReplyError,
    private readonly replicationId: string,
    private readonly offset: number,
  ) {}

  get syncToken(): string {
    return formatSyncToken(this.replicationId, this.offset);
  }
}

/** A command that writes or must run on the primary (PUBLISH, scripts): it may append to the log. */
function isWriteCommand(argv: readonly ByteString[]): boolean {
  const resolved = Engine.resolve(argv);
  if (resolved instanceof ReplyError) return false;
  return resolved.isWrite || (findCommandFacts(argv[0] as ByteString)?.needsPrimary ?? false);
}
