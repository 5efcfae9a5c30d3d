import type { ByteString } from './bytes.js';
import { CommandError } from './reply.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX } from './errors.js';
import { parseInteger } from './parse.js';

export interface ScanArgs {
  cursor: number;
  match: ByteString | undefined;
  count: number;
  /** SCAN's TYPE filter, lowercase. */
  type: ByteString | undefined;
  /** Upstash's SCAN extension: reply with [key, type, …] pairs. */
  withType: boolean;
  /** HSCAN NOVALUES (Redis 7.4). */
  noValues: boolean;
}

/** Parses `cursor [MATCH p] [COUNT n] [TYPE t] [WITHTYPE] [NOVALUES]` starting at argv[cursorIndex]. */
export function parseScanArgs(
  argv: readonly ByteString[],
  cursorIndex: number,
  allowed: { type?: boolean; withType?: boolean; noValues?: boolean } = {},
): ScanArgs {
  const cursor = parseCursor(argv[cursorIndex] as ByteString);
  const args: ScanArgs = { cursor, match: undefined, count: 10, type: undefined, withType: false, noValues: false };
  for (let i = cursorIndex + 1; i < argv.length; i++) {
    const option = (argv[i] as ByteString).toLowerCase();
    const value = argv[i + 1];
    if (option === 'match' && value !== undefined) {
      args.match = value;
      i++;
    } else if (option === 'count' && value !== undefined) {
      const count = parseInteger(value);
      if (count === null) throw new CommandError(ERR_NOT_INTEGER);
      if (count < 1) throw new CommandError(ERR_SYNTAX);
      args.count = count;
      i++;
    } else if (option === 'type' && allowed.type === true && value !== undefined) {
      args.type = value.toLowerCase();
      i++;
    } else if (option === 'withtype' && allowed.withType === true) {
      args.withType = true;
    } else if (option === 'novalues' && allowed.noValues === true) {
      args.noValues = true;
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  return args;
}

const UINT64_MAX = 2n ** 64n - 1n;

/**
 * A SCAN cursor as Redis reads it (strtoul): optional sign, digits, empty means 0, a negative value
 * wraps around; anything else, or more than 64 bits, is "ERR invalid cursor".
 */
export function parseCursor(text: ByteString): number {
  const match = /^([+-]?)(\d*)$/.exec(text);
  if (match === null || (match[1] !== '' && match[2] === '')) throw new CommandError('ERR invalid cursor');
  const magnitude = match[2] === '' ? 0n : BigInt(match[2] as string);
  if (magnitude > UINT64_MAX) throw new CommandError('ERR invalid cursor');
  const value = match[1] === '-' && magnitude !== 0n ? UINT64_MAX + 1n - magnitude : magnitude;
  return Number(value);
}
