import { SimpleString } from '../../reply.js';

/** A HELP reply as Redis builds it: the header line, the given lines, then HELP's own entry. */
export function helpReply(container: string, lines: readonly string[]): SimpleString[] {
  const all = [
    `${container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`,
    ...lines,
    'HELP',
    '    Prints this help.',
  ];
  return all.map((line) => new SimpleString(line));
}

/** Redis's addReplySubcommandSyntaxError text. */
export function subcommandSyntaxError(subcommand: string, container: string): string {
  return `ERR unknown subcommand or wrong number of arguments for '${subcommand.slice(0, 128)}'. Try ${container} HELP.`;
}
