import type { ByteString } from '../../bytes.js';
import { arityOk } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { unknownSubcommand, wrongArity } from '../../errors.js';
import { CommandError, type Reply, SimpleString } from '../../reply.js';

/** One subcommand of a container command (OBJECT, MEMORY, CONFIG, COMMAND): its own arity and handler. */
export interface Subcommand {
  /** Redis's convention, counting the container and subcommand names: OBJECT ENCODING key is 3. */
  readonly arity: number;
  readonly handler: (ctx: ExecContext, argv: readonly ByteString[]) => Reply;
}

/**
 * Runs argv[1] of a container command as Redis 7.0 does: an unknown name answers "unknown
 * subcommand … Try X HELP.", a wrong argument count names the pair (`object|encoding`).
 */
export function runSubcommand(
  container: string,
  table: ReadonlyMap<string, Subcommand>,
  ctx: ExecContext,
  argv: readonly ByteString[],
): Reply {
  const given = argv[1] as ByteString;
  const name = given.toLowerCase();
  const subcommand = table.get(name);
  if (subcommand === undefined) throw new CommandError(unknownSubcommand(given, container));
  if (!arityOk(subcommand.arity, argv.length)) throw new CommandError(wrongArity(`${container}|${name}`));
  return subcommand.handler(ctx, argv);
}

/** A HELP reply: Redis's header line, then the given lines and the HELP entry, as status replies. */
export function helpReply(container: string, lines: readonly string[]): SimpleString[] {
  const all = [
    `${container.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`,
    ...lines,
    'HELP',
    '    Prints this help.',
  ];
  return all.map((line) => new SimpleString(line));
}
