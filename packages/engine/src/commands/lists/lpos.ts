import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX } from '../../errors.js';
import { INT64, parseBigInt64, parseInteger } from '../../parse.js';
import { CommandError, type Reply } from '../../reply.js';
import { readList } from './list-access.js';

interface LposOptions {
  rank: number;
  /** RANK -2^63: Redis negates it with overflow, so every match qualifies and COUNT never stops the walk. */
  rankOverflows: boolean;
  /** undefined without COUNT; 0 means every match. */
  count: number | undefined;
  /** Elements to compare at most; 0 means the whole list. */
  maxlen: number;
}

function parseNonNegative(text: ByteString, message: string): number {
  const value = parseInteger(text);
  if (value === null || value < 0) throw new CommandError(message);
  return value;
}

function parseLposOptions(argv: readonly ByteString[]): LposOptions {
  const options: LposOptions = { rank: 1, rankOverflows: false, count: undefined, maxlen: 0 };
  for (let i = 3; i < argv.length; i++) {
    const option = (argv[i] as ByteString).toLowerCase();
    const value = argv[i + 1];
    if (value === undefined) throw new CommandError(ERR_SYNTAX);
    if (option === 'rank') {
      const rank = parseBigInt64(value);
      if (rank === null) throw new CommandError(ERR_NOT_INTEGER);
      if (rank === 0n) {
        throw new CommandError(
          "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
        );
      }
      options.rank = Number(rank);
      options.rankOverflows = rank === INT64.min;
    } else if (option === 'count') {
      options.count = parseNonNegative(value, "ERR COUNT can't be negative");
    } else if (option === 'maxlen') {
      options.maxlen = parseNonNegative(value, "ERR MAXLEN can't be negative");
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
    i++;
  }
  return options;
}

/**
 * LPOS key element [RANK rank] [COUNT num] [MAXLEN len]: the index of the rank-th match (from the
 * tail for a negative rank), or with COUNT an array of up to num matching indexes.
 */
export const lpos = defineCommand({
  name: 'lpos',
  arity: -3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx: ExecContext, argv): Reply => {
    const options = parseLposOptions(argv);
    const list = readList(ctx, argv[1] as ByteString);
    if (list === undefined) return options.count === undefined ? null : [];
    const element = argv[2] as ByteString;
    const fromTail = options.rank < 0;
    const skip = options.rankOverflows ? 0 : Math.abs(options.rank) - 1;
    const wanted =
      options.rankOverflows || options.count === undefined || options.count === 0 ? Infinity : options.count;
    const length = list.length;
    const limit = options.maxlen === 0 ? length : Math.min(options.maxlen, length);
    const found: number[] = [];
    let matches = 0;
    for (let step = 0; step < limit && found.length < wanted; step++) {
      const index = fromTail ? length - 1 - step : step;
      if (list.at(index) === element && matches++ >= skip) found.push(index);
      if (options.count === undefined && found.length === 1) break;
    }
    if (options.count === undefined) return found[0] ?? null;
    return found;
  },
});
