import type { ByteString, Engine, Reply, ReplyError } from '@meridian/engine';
import type { SyncToken } from '@meridian/rest';
import { formatSyncToken } from '@meridian/rest';
import type { Clock } from '@meridian/lag';
import type { WriteLog } from '@meridian/store';

/** Commands the REST layer asks a node to run, already authenticated and permitted. */
export type CommandBatch =
  | { readonly kind: 'command'; readonly argv: readonly ByteString[] }
  | { readonly kind: 'pipeline'; readonly commands: readonly (readonly ByteString[])[] }
  | { readonly kind: 'transaction'; readonly commands: readonly (readonly ByteString[])[] };

export interface BatchOutcome {
  /** One reply per command; for a discarded transaction the single error (EXECABORT). */
  readonly replies: Reply[] | ReplyError;
  /** The `upstash-sync-token` for the answer: the position the answering node has reached. */
  readonly syncToken: string;
}

/**
 * The seam between the REST layer and a node's role. The primary runs everything itself
 * (`PrimaryExecutor`); a replica will answer reads locally after waiting for `syncToken`, and
 * forward writes and transactions to the primary.
 */
export interface CommandRouter {
  run(batch: CommandBatch, syncToken: SyncToken | undefined): BatchOutcome | Promise<BatchOutcome>;
  /** The token describing the node's current position (for answers that run no command). */
  currentSyncToken(): string;
}

/**
 * Runs commands on the primary's engine. Each write's effects become one log entry (one per
 * transaction), and its answer waits until that entry is durable. The log's offsets are the sync
 * tokens: a write's token is its own offset, a read's the newest offset.
 */
export class PrimaryExecutor implements CommandRouter {
  private lastTimeMs = 0;

  constructor(
    private readonly engine: Engine,
    private readonly log: WriteLog,
    private readonly clock: Clock,
    readonly replicationId: string,
  ) {}

  /** The primary's time, in whole ms and never going backwards (the log's times are ordered). */
  nowMs(): number {
    const now = Math.floor(this.clock.nowMs());
    if (now > this.lastTimeMs) this.lastTimeMs = now;
    return this.lastTimeMs;
  }

  currentSyncToken(): string {
    return formatSyncToken(this.replicationId, this.log.lastOffset());
  }

  // The primary is the newest history there is: a token ahead of it comes from another history
  // (a replaced primary) and is ignored.
  run(batch: CommandBatch, _syncToken: SyncToken | undefined): BatchOutcome | Promise<BatchOutcome> {
    let replies: Reply[] | ReplyError;
    let durable: Promise<void> | undefined;
    if (batch.kind === 'command') {
      const executed = this.execute(batch.argv);
      replies = [executed.reply];
      durable = executed.durable;
    } else if (batch.kind === 'pipeline') {
      replies = new Array<Reply>(batch.commands.length);
      let pending: Promise<void>[] | undefined;
      for (let i = 0; i < batch.commands.length; i++) {
        const executed = this.execute(batch.commands[i] as readonly ByteString[]);
        replies[i] = executed.reply;
        if (executed.durable !== undefined) (pending ??= []).push(executed.durable);
      }
      durable = pending === undefined ? undefined : Promise.all(pending).then(() => undefined);
    } else {
      const nowMs = this.nowMs();
      const result = this.engine.executeTransaction(batch.commands, nowMs);
      replies = result.replies;
      durable = this.append(nowMs, result.effects);
    }
    const outcome: BatchOutcome = { replies, syncToken: this.currentSyncToken() };
    return durable === undefined ? outcome : durable.then(() => outcome);
  }

  /** One round of bounded active expiry; the resulting DELs are logged like any write. */
  expireRound(checksMax: number): number {
    const nowMs = this.nowMs();
    const effects = this.engine.activeExpire(nowMs, checksMax);
    this.append(nowMs, effects)?.catch(reportLogFailure);
    return effects.length;
  }

  private execute(argv: readonly ByteString[]): { reply: Reply; durable: Promise<void> | undefined } {
    const nowMs = this.nowMs();
    const { reply, effects } = this.engine.execute(argv, nowMs);
    return { reply, durable: this.append(nowMs, effects) };
  }

  private append(nowMs: number, effects: ByteString[][]): Promise<void> | undefined {
    if (effects.length === 0) return undefined;
    return this.log.append(nowMs, effects).durable;
  }
}

function reportLogFailure(error: unknown): void {
  console.error('meridian: write log append failed during active expiry:', error);
}
