import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_NOT_INTEGER } from '../../errors.js';
import { parseInteger } from '../../parse.js';
import { CommandError } from '../../reply.js';
import type { ScriptRunner } from '../../scripting.js';

export const ERR_NO_SCRIPTING = 'ERR scripting is not available on this node (no script runner)';

/** The keys and arguments of EVAL/EVALSHA/FCALL and their _RO forms: `name body numkeys key… arg…`. */
export function splitKeysAndArgs(
  argv: readonly ByteString[],
  badNumkeys = ERR_NOT_INTEGER,
): { keys: ByteString[]; args: ByteString[] } {
  const numkeys = parseInteger(argv[2] as ByteString);
  if (numkeys === null) throw new CommandError(badNumkeys);
  if (numkeys > argv.length - 3) throw new CommandError("ERR Number of keys can't be greater than number of args");
  if (numkeys < 0) throw new CommandError("ERR Number of keys can't be negative");
  return { keys: argv.slice(3, 3 + numkeys), args: argv.slice(3 + numkeys) };
}

/** Key positions of the numkeys forms, for the command table (errors are the handler's to give). */
export function scriptKeyPositions(argv: readonly ByteString[]): number[] {
  const numkeys = parseInteger(argv[2] ?? '');
  if (numkeys === null || numkeys < 0 || numkeys > argv.length - 3) return [];
  return Array.from({ length: numkeys }, (_, i) => 3 + i);
}

export function runnerOf(ctx: ExecContext): ScriptRunner {
  const runner = ctx.engine.scriptRunner;
  if (runner === undefined) throw new CommandError(ERR_NO_SCRIPTING);
  return runner;
}
