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
}

/** The command table entry the REST layer, tokens, router and replication use. */
export interface CommandInfo extends CommandSpec {
  readonly isWrite: boolean;
  readonly isReadonly: boolean;
  readonly isDangerous: boolean;
  readonly isBlocking: boolean;
  readonly isScript: boolean;
  readonly isDenyOom: boolean;
}

/** Defines a command; omitted key fields mean "no keys". */
export function defineCommand(
  spec: Omit<CommandSpec, 'firstKey' | 'lastKey' | 'keyStep'> &
    Partial<Pick<CommandSpec, 'firstKey' | 'lastKey' | 'keyStep'>>,
): CommandSpec {
  return { firstKey: 0, lastKey: 0, keyStep: 0, ...spec };
}

export function toCommandInfo(spec: CommandSpec): CommandInfo {
  return {
    ...spec,
    isWrite: spec.flags.includes('write'),
    isReadonly: spec.flags.includes('readonly'),
    isDangerous: spec.flags.includes('dangerous'),
    isBlocking: spec.flags.includes('blocking'),
    isScript: spec.flags.includes('script'),
    isDenyOom: spec.flags.includes('denyoom'),
  };
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
