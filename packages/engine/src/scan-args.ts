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
  const cursorText = argv[cursorIndex] as ByteString;
  const cursor = /^\d{1,20}$/.test(cursorText) ? Number(cursorText) : NaN;
  if (!Number.isFinite(cursor) || cursor > 18446744073709551615) throw new CommandError('ERR invalid cursor');
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
