import { MeridianError } from './assert.js';
import type { ByteString } from './bytes.js';
import { arityOk, type CommandInfo } from './command.js';
import { admitCommand, ERR_OOM, isDenyOom, type MemoryLimit, usedMemoryBytes } from './memory-limit.js';
import { expireHashFields } from './commands/hashes/active-expire.js';
import { findCommand } from './commands/index.js';
import { ExecContext, type Role } from './context.js';
import { unknownCommand, wrongArity } from './errors.js';
import { EngineStats, Keyspace } from './keyspace.js';
import { CommandError, type Reply, ReplyError } from './reply.js';
import { type ScriptHost, type ScriptRunner, ScriptStore } from './scripting.js';

/** The reply to a command and the effects that reproduce it on a replica (empty for reads). */
export interface ExecResult {
  reply: Reply;
  effects: ByteString[][];
}

export interface TransactionResult {
  /** One reply per command, or a single error when the transaction was discarded as a whole. */
  replies: Reply[] | ReplyError;
  effects: ByteString[][];
}

export interface EngineOptions {
  role: Role;
  /** Uniform in [0, 1). Seeded in the simulator; Math.random in a real node. */
  random?: () => number;
  /** Runs Lua for EVAL/FCALL (the `script` package); without one, running a script is an error. */
  scriptRunner?: ScriptRunner;
  /** Redis's maxmemory and maxmemory-policy; default: no limit. */
  memoryLimit?: MemoryLimit;
}

const ERR_SCRIPT_UNKNOWN = 'ERR Unknown Redis command called from script';
const ERR_SCRIPT_ARITY = 'ERR Wrong number of args calling Redis command from script';
const ERR_SCRIPT_NOSCRIPT = 'ERR This Redis command is not allowed from script';
const ERR_SCRIPT_READONLY = 'ERR Write commands are not allowed from read-only scripts.';
const ERR_REPLICA_READONLY = "READONLY You can't write against a read only replica.";

/** Host-provided data for commands that report on the node (INFO, WAIT…). */
export interface EngineHost {
  /** Extra INFO sections (e.g. replication, persistence): section name → field lines. */
  infoSections?: () => Record<string, [string, string | number][]>;
  /** Delivers a published message to this node's subscribers; returns how many received it. */
  publish?: (channel: ByteString, message: ByteString) => number;
  /** Channels with at least one subscriber at this node (PUBSUB CHANNELS). */
  pubsubChannels?: () => ByteString[];
  /** Subscribers of `channel` at this node (PUBSUB NUMSUB). */
  pubsubSubscribers?: (channel: ByteString) => number;
  /** Distinct patterns with a subscriber at this node (PUBSUB NUMPAT). */
  pubsubPatterns?: () => number;
}

/** The effects array of an applying batch: nothing is ever pushed to it (ExecContext.propagate). */
const NO_EFFECTS: ByteString[][] = [];

/** Bound on `resolvedNames`: arbitrary-case spellings of names must not grow it without limit. */
const RESOLVED_NAMES_MAX = 1024;
/** Command names exactly as clients spelled them (`SET`, `set`, `Set`) → their table entry. */
const resolvedNames = new Map<string, CommandInfo>();

/**
 * The keyspace and the Redis commands. Pure and synchronous: the time comes in as an argument,
 * randomness from the injected source, and every write hands back the effects a replica applies.
 */
export class Engine {
  readonly db = new Keyspace();
  readonly stats = new EngineStats();
  readonly role: Role;
  host: EngineHost = {};
  readonly scriptRunner: ScriptRunner | undefined;
  /** maxmemory and its policy (enforced on the primary only). */
  memoryLimit: MemoryLimit;
  private readonly ctx: ExecContext;
  /** The effects list of `executeForReply`, emptied after each command that made any. */
  private readonly droppedEffects: ByteString[][] = [];
  private expireCursor: Iterator<[ByteString, number]> | undefined;

  constructor(options: EngineOptions) {
    this.role = options.role;
    this.scriptRunner = options.scriptRunner;
    this.memoryLimit = options.memoryLimit ?? { maxMemoryBytes: 0, policy: 'noeviction' };
    this.ctx = new ExecContext(this.db, this.stats, options.role, options.random ?? Math.random, 0, false);
    this.ctx.engine = this;
  }

  /** INFO's used_memory: the startup baseline plus the incremental estimate of every key. */
  usedMemoryBytes(): number {
    return usedMemoryBytes(this.ctx);
  }

  /** The command named `name` in any case, or undefined; remembers spellings it has seen. */
  static findCommand(name: string): CommandInfo | undefined {
    const known = resolvedNames.get(name);
    if (known !== undefined) return known;
    const info = findCommand(name);
    if (info !== undefined && resolvedNames.size < RESOLVED_NAMES_MAX) resolvedNames.set(name, info);
    return info;
  }

  /** Checks name and arity; returns the command or the error Redis would give. */
  static resolve(argv: readonly ByteString[]): CommandInfo | ReplyError {
    const name = argv[0];
    const info = name === undefined ? undefined : Engine.findCommand(name);
    if (info === undefined) return new ReplyError(unknownCommand(argv));
    if (!arityOk(info.arity, argv.length)) return new ReplyError(wrongArity(info.name));
    return info;
  }

  /**
   * Whether `argv` calls a script declared read-only: EVAL of a `#!lua flags=…,no-writes` script, EVALSHA of
   * such a cached script, FCALL of a function registered with `no-writes` (Redis 7 runs these on replicas).
   * Anything unknown or malformed is not (the primary answers it).
   */
  declaresNoWrites(argv: readonly ByteString[]): boolean {
    const name = (argv[0] ?? '').toLowerCase();
    if (name === 'eval' || name === 'evalsha') {
      const body = name === 'eval' ? argv[1] : this.scripts.scripts.get((argv[1] ?? '').toLowerCase());
      if (body === undefined || !body.startsWith('#!lua')) return false;
      const shebang = body.slice(0, body.indexOf('\n') >>> 0);
      const flags = /(?:^|\s)flags=(\S*)/.exec(shebang)?.[1];
      return flags !== undefined && flags.split(',').includes('no-writes');
    }
    if (name === 'fcall') {
      const functionName = argv[1] ?? '';
      const library = this.scripts.libraries.get(this.scripts.functions.get(functionName) ?? '');
      return library?.functions.find((fn) => fn.name === functionName)?.flags.includes('no-writes') === true;
    }
    return false;
  }

  /** Runs one client command at time `nowMs`. */
  execute(argv: readonly ByteString[], nowMs: number): ExecResult {
    const ctx = this.begin(nowMs, false);
    const reply = this.run(ctx, argv);
    return { reply, effects: this.end(ctx) };
  }

  /**
   * Runs one client command at time `nowMs` for its reply alone: `execute(argv, nowMs).reply`,
   * for a caller that drops the effects (a replica's reads, which make none), without the result
   * and the effects list `execute` makes for every command. `command`: what `Engine.resolve(argv)`
   * returned, for a caller that resolved it already (a replica deciding whether the primary must
   * answer), so it is not looked up again.
   */
  executeForReply(argv: readonly ByteString[], nowMs: number, command?: CommandInfo): Reply {
    const effects = this.droppedEffects;
    const ctx = this.begin(nowMs, false, effects);
    const reply = this.run(ctx, argv, command);
    if (effects.length > 0) {
      this.end(ctx);
      effects.length = 0;
    }
    return reply;
  }

  /**
   * Runs one client command at time `nowMs`, appending its effects to `effects` instead of
   * returning a fresh array (a pipeline collects all its writes' effects in one batch).
   */
  executeAppending(argv: readonly ByteString[], nowMs: number, effects: ByteString[][]): Reply {
    return this.run(this.begin(nowMs, false, effects), argv);
  }

  /**
   * Runs commands as MULTI/EXEC: all checked first (an unknown command or wrong arity discards the
   * whole transaction, like EXECABORT), then run in order; runtime errors are per-command replies.
   * The effects form one batch, applied atomically by replicas.
   */
  executeTransaction(commands: readonly (readonly ByteString[])[], nowMs: number): TransactionResult {
    const ctx = this.begin(nowMs, false);
    for (const argv of commands) {
      const resolved = Engine.resolve(argv);
      // Like Redis, a denyoom command queued over maxmemory is refused and EXEC aborts.
      if (
        resolved instanceof ReplyError ||
        (isDenyOom(resolved, argv) && !admitCommand(ctx, this.memoryLimit, resolved, argv))
      ) {
        return {
          replies: new ReplyError('EXECABORT Transaction discarded because of previous errors.'),
          effects: this.end(ctx),
        };
      }
    }
    const replies = commands.map((argv) => this.run(ctx, argv));
    return { replies, effects: this.end(ctx) };
  }

  /**
   * Applies the primary's effects (one log entry) at the primary's commit time. Keeps none of the
   * arrays (a command that keeps its arguments copies them): a replica reuses them for the next entry.
   */
  applyEffects(effects: readonly (readonly ByteString[])[], primaryTimeMs: number): void {
    // The digest learns each effect's keys as run() resolves it (markApplied): no second lookup here.
    // Applying emits no effects (the primary's are being replayed): the batch needs no array of
    // its own, and the next begin() replaces this one. This runs once per entry on every replica.
    const ctx = this.begin(primaryTimeMs, true, NO_EFFECTS);
    for (const argv of effects) {
      const reply = this.run(ctx, argv);
      if (reply instanceof ReplyError) {
        throw new MeridianError(
          'MERIDIAN_REPLICATION_EFFECT_FAILED',
          `replicated effect failed: ${argv[0] ?? ''}: ${reply.message}`,
        );
      }
    }
  }

  /**
   * Deletes up to `checksMax` expired keys' worth of work (Redis's active expiry, bounded).
   * Only the primary expires; the returned `DEL` effects must be logged like any write.
   */
  activeExpire(nowMs: number, checksMax: number): ByteString[][] {
    if (this.role !== 'primary') return [];
    const ctx = this.begin(nowMs, false);
    for (let checks = 0; checks < checksMax; checks++) {
      this.expireCursor ??= this.db.expiresAtMs.entries();
      const next = this.expireCursor.next();
      if (next.done === true) {
        this.expireCursor = undefined;
        break;
      }
      ctx.expireIfNeeded(next.value[0]);
    }
    expireHashFields(ctx, checksMax);
    return this.end(ctx);
  }

  /**
   * What a running script may call: commands of the current batch, checked as Redis checks them
   * (unknown, arity, `noscript`, writes in a read-only script or on a replica). Their effects join
   * the batch's, so a script replicates as the commands it performed.
   */
  scriptHost(readonly: boolean): ScriptHost {
    const ctx = this.ctx;
    return {
      readonly,
      call: (argv) => {
        const name = argv[0];
        const info = name === undefined ? undefined : Engine.findCommand(name);
        if (info === undefined) return new ReplyError(ERR_SCRIPT_UNKNOWN);
        if (!arityOk(info.arity, argv.length)) return new ReplyError(ERR_SCRIPT_ARITY);
        if (info.flags.includes('noscript')) return new ReplyError(ERR_SCRIPT_NOSCRIPT);
        if (info.isWrite && readonly) return new ReplyError(ERR_SCRIPT_READONLY);
        if (info.isWrite && this.role === 'replica' && !ctx.applying) return new ReplyError(ERR_REPLICA_READONLY);
        if (this.memoryLimit.maxMemoryBytes > 0 && !admitCommand(ctx, this.memoryLimit, info, argv)) {
          return new ReplyError(ERR_OOM);
        }
        const outer = ctx.argv;
        ctx.argv = argv;
        this.stats.commandsProcessed++;
        try {
          return info.handler(ctx, argv);
        } catch (error) {
          if (error instanceof CommandError) return error.toReply();
          throw error;
        } finally {
          ctx.argv = outer;
          if (info.isWrite) this.remeasure(info, argv);
        }
      },
    };
  }

  /** Scripts and function libraries this node knows (replicated through SCRIPT LOAD / FUNCTION LOAD, kept in snapshots). */
  get scripts(): ScriptStore {
    return this.db.scripts;
  }

  private begin(nowMs: number, applying: boolean, effects: ByteString[][] = []): ExecContext {
    const ctx = this.ctx;
    ctx.nowMs = nowMs;
    ctx.applying = applying;
    ctx.effects = effects;
    return ctx;
  }

  private end(ctx: ExecContext): ByteString[][] {
    const effects = ctx.effects;
    ctx.effects = [];
    // The effects name every key a write changed, in place or not (active expiry of hash fields too).
    if (this.db.data.changes !== undefined) for (const argv of effects) this.markChanged(argv);
    return effects;
  }

  /** Tells the incremental digest which keys an effect touched (FLUSHALL/FLUSHDB: all of them). */
  private markChanged(argv: readonly ByteString[]): void {
    const name = argv[0];
    const info = name === undefined ? undefined : Engine.findCommand(name);
    if (info === undefined) return;
    if (info.name === 'flushall' || info.name === 'flushdb') {
      this.db.data.cleared = true;
      return;
    }
    if (this.db.data.changes !== undefined) forEachKey(info, argv, this.markKey);
  }

  /** Made once, as `remeasureKey`: the key joins the digest's changed keys. */
  private readonly markKey = (key: ByteString): void => {
    this.db.data.changes?.add(key);
  };

  private run(ctx: ExecContext, argv: readonly ByteString[], command?: CommandInfo): Reply {
    const resolved = command ?? Engine.resolve(argv);
    if (resolved instanceof ReplyError) return resolved;
    if (this.memoryLimit.maxMemoryBytes > 0 && !admitCommand(ctx, this.memoryLimit, resolved, argv)) {
      return new ReplyError(ERR_OOM);
    }
    ctx.argv = argv;
    this.stats.commandsProcessed++;
    try {
      return resolved.handler(ctx, argv);
    } catch (error) {
      if (error instanceof CommandError) return error.toReply();
      throw error;
    } finally {
      // A write's keys join the digest's changed keys as they are remeasured (KeyDict.remeasure);
      // an applied effect that is not a write (none names a key today) is marked here, as its
      // effect's keys were before by a pass of their own.
      if (resolved.isWrite) this.remeasure(resolved, argv);
      else if (ctx.applying) this.markChanged(argv);
    }
  }

  /** Writes may change values in place: their keys' memory estimates are taken again. */
  private remeasure(info: CommandInfo, argv: readonly ByteString[]): void {
    forEachKey(info, argv, this.remeasureKey);
  }

  /** Made once: every write remeasures its keys, and a closure per write would be garbage per write. */
  private readonly remeasureKey = (key: ByteString): void => this.db.data.remeasure(key);
}

/** The keys a command names, by its key specification. */
/** Visits the keys `argv` names, as the command table says, without building a list (every write comes here). */
function forEachKey(info: CommandInfo, argv: readonly ByteString[], visit: (key: ByteString) => void): void {
  if (info.keys !== undefined) {
    for (const index of info.keys(argv)) {
      const key = argv[index];
      if (key !== undefined) visit(key);
    }
    return;
  }
  if (info.firstKey === 0) return;
  const last = info.lastKey < 0 ? argv.length + info.lastKey : info.lastKey;
  const step = info.keyStep || 1;
  for (let i = info.firstKey; i <= last && i < argv.length; i += step) visit(argv[i] as ByteString);
}
