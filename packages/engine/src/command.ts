import type { ByteString } from './bytes.js';
import type { ExecContext } from './context.js';
import type { Reply } from './reply.js';

/**
 * - write: changes data; goes to the primary, refused for the read-only token.
 * - readonly: reads data; may be served by a replica.
 * - dangerous: refused for the read-only token even if it only reads (KEYS, SCAN, FLUSHALL…).
 * - admin: server administration.
 * - blocking: blocks in Redis; refused over REST.
 * - pubsub: publish/subscribe.
 * - noscript: may not run inside scripts or transactions over REST.
 * - script: runs Lua or manages scripts (EVAL…, SCRIPT, FUNCTION, FCALL…). Its `write` form goes
 *   to the primary; its `readonly` forms (EVAL_RO, EVALSHA_RO, FCALL_RO) may run on a replica.
 * - denyoom: may grow memory; refused over maxmemory (Redis's flag of the same name).
 * - standardtoken: refused for the read-only token though it changes no data (WAIT holds a
 *   request open waiting on replication, a write-side matter). Meridian's own; not shown by COMMAND.
 */
export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'dangerous'
  | 'admin'
  | 'blocking'
  | 'pubsub'
  | 'noscript'
  | 'denyoom'
  | 'standardtoken'
  | 'script';

/**
 * Meridian's own facts about a command, beside Redis's flags (they never show in COMMAND INFO):
 * - primary: runs on the primary even though it is not a `write` (WAIT, PUBLISH, writing scripts).
 * - script: a script or function call; refused to the read-only token even in its _RO forms
 *   (a script's effects are opaque).
 * - transaction: transaction control (MULTI, EXEC, WATCH…); over REST a transaction is /multi-exec.
 * - connection: needs a connection that stays open (SUBSCRIBE and kin, MONITOR); a REST call answers once.
 */
export type CommandFact = 'primary' | 'script' | 'transaction' | 'connection';

export interface CommandSpec {
  /** Lowercase command name. */
  readonly name: string;
  /** Redis's convention: N means exactly N arguments (name included), -N means at least N. */
  readonly arity: number;
  readonly flags: readonly CommandFlag[];
  /** Key positions, Redis's legacy triple: first key index, last (-1 = last argument), step; 0 = no keys. */
  readonly firstKey: number;
  readonly lastKey: number;
  readonly keyStep: number;
  /** Key positions for commands whose keys a triple cannot describe (numkeys forms). */
  readonly keys?: (argv: readonly ByteString[]) => number[];
  /** denyoom for some subcommands only (XGROUP CREATE), as Redis flags them. */
  readonly denyoomIf?: (argv: readonly ByteString[]) => boolean;
  readonly handler: (ctx: ExecContext, argv: readonly ByteString[]) => Reply;
  /** Meridian's facts about the command (see CommandFact). */
  readonly facts?: readonly CommandFact[];
  /** For commands that block only with an option (XREAD … BLOCK): whether this invocation blocks. */
  readonly blocksWith?: (argv: readonly ByteString[]) => boolean;
}

/**
 * What REST, the router, the node and the simulator read about a command — the one place these
 * facts live. Commands the engine does not implement but must recognise (MULTI, EVAL, MONITOR) have
 * facts too (`implemented` false).
 */
export interface CommandFacts {
  readonly name: string;
  readonly flags: readonly CommandFlag[];
  /** Whether the engine runs it (false for names only recognised, see `commandFactsOf`). */
  readonly implemented: boolean;
  /** Changes data: goes into the write log; refused with MISCONF once the log fails. */
  readonly isWrite: boolean;
  readonly isReadonly: boolean;
  readonly isDangerous: boolean;
  /** Blocks in Redis in every form (BLPOP); see `blocks` for one invocation. */
  readonly isBlocking: boolean;
  readonly isDenyOom: boolean;
  /** Must run on the primary: writes, WAIT, PUBLISH, writing scripts. */
  readonly needsPrimary: boolean;
  /** Refused to the read-only token. */
  readonly refusedToReadonly: boolean;
  readonly isScript: boolean;
  readonly isPubsub: boolean;
  readonly isTransactionControl: boolean;
  /** Needs a connection that stays open (SUBSCRIBE, MONITOR). */
  readonly needsConnection: boolean;
  /** Whether this invocation blocks (XREAD blocks only with BLOCK). */
  blocks(argv: readonly ByteString[]): boolean;
}

/** The command table entry the REST layer, tokens, router, node and simulator use. */
export interface CommandInfo extends CommandSpec, CommandFacts {}

/** A name the engine recognises but does not run: its facts only. */
export interface KnownCommand {
  readonly name: string;
  readonly flags: readonly CommandFlag[];
  readonly facts?: readonly CommandFact[];
}

/** Defines a command; omitted key fields mean "no keys". */
export function defineCommand(
  spec: Omit<CommandSpec, 'firstKey' | 'lastKey' | 'keyStep'> &
    Partial<Pick<CommandSpec, 'firstKey' | 'lastKey' | 'keyStep'>>,
): CommandSpec {
  return { firstKey: 0, lastKey: 0, keyStep: 0, ...spec };
}

/** The facts of a command from its flags (`implemented` says whether the engine runs it). */
export function factsOf(spec: KnownCommand & Pick<CommandSpec, 'blocksWith'>, implemented: boolean): CommandFacts {
  const has = (flag: CommandFlag): boolean => spec.flags.includes(flag);
  const fact = (name: CommandFact): boolean => spec.facts?.includes(name) ?? false;
  const isWrite = has('write');
  const isReadonly = has('readonly');
  const isDangerous = has('dangerous');
  const isBlocking = has('blocking');
  const isScript = has('script') || fact('script');
  const blocksWith = spec.blocksWith;
  return {
    name: spec.name,
    flags: spec.flags,
    implemented,
    isWrite,
    isReadonly,
    isDangerous,
    isBlocking,
    isDenyOom: has('denyoom'),
    needsPrimary: isWrite || fact('primary'),
    // A name recognised but not run (SPUBLISH) passes: the engine answers it with Redis's own error.
    refusedToReadonly:
      isScript || (implemented && (isWrite || isDangerous || has('standardtoken') || (!isReadonly && has('admin')))),
    isScript,
    isPubsub: has('pubsub'),
    isTransactionControl: fact('transaction'),
    needsConnection: fact('connection'),
    blocks: blocksWith === undefined ? () => isBlocking : blocksWith,
  };
}

export function toCommandInfo(spec: CommandSpec): CommandInfo {
  return { ...spec, ...factsOf(spec, true) };
}

/** The key arguments of a command invocation. */
export function commandKeys(info: CommandSpec, argv: readonly ByteString[]): ByteString[] {
  if (info.keys) return info.keys(argv).map((i) => argv[i] as ByteString);
  if (info.firstKey === 0) return [];
  const last = info.lastKey < 0 ? argv.length + info.lastKey : info.lastKey;
  const out: ByteString[] = [];
  for (let i = info.firstKey; i <= last && i < argv.length; i += info.keyStep || 1) out.push(argv[i] as ByteString);
  return out;
}

export function arityOk(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}
