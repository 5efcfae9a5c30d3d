import { errorLine } from './reply.js';
/** Redis's error texts, verbatim. Clients match on these substrings. */
export const ERR_SYNTAX = 'ERR syntax error';
export const ERR_WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const ERR_NOT_INTEGER = 'ERR value is not an integer or out of range';
export const ERR_NOT_FLOAT = 'ERR value is not a valid float';
export const ERR_OVERFLOW = 'ERR increment or decrement would overflow';
export const ERR_NO_SUCH_KEY = 'ERR no such key';
export const ERR_INDEX_OUT_OF_RANGE = 'ERR index out of range';
export const ERR_BIT_OFFSET = 'ERR bit offset is not an integer or out of range';
export const ERR_BIT_VALUE = 'ERR bit is not an integer or out of range';
export const ERR_STRING_TOO_LONG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
export const ERR_INVALID_EXPIRE = (command: string): string => `ERR invalid expire time in '${command}' command`;
export const ERR_NOT_POSITIVE = 'ERR value is out of range, must be positive';
export const ERR_NAN_OR_INF = 'ERR increment would produce NaN or Infinity';

export function wrongArity(commandName: string): string {
  return `ERR wrong number of arguments for '${commandName.toLowerCase()}' command`;
}

/**
 * Redis's text for an unknown command: the name cut to 128 bytes, then the arguments while fewer
 * than 128 bytes of them are quoted, each cut to what is left of the 128, as an error line (errorLine).
 */
export function unknownCommand(argv: readonly string[]): string {
  const name = (argv[0] ?? '').slice(0, 128);
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${(argv[i] as string).slice(0, 128 - args.length)}' `;
  }
  return errorLine(`ERR unknown command '${name}', with args beginning with: ${args}`);
}

export function unknownSubcommand(subcommand: string, container: string): string {
  return `ERR unknown subcommand '${subcommand.slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`;
}
