import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { ERR_SYNTAX } from '../../errors.js';
import { CommandError, type Reply } from '../../reply.js';
import type { Value } from '../../value.js';
import { STRING_BYTES_MAX, requireBigInt } from './string-access.js';

interface LcsOptions {
  len: boolean;
  idx: boolean;
  withMatchLen: boolean;
  minMatchLen: bigint;
}

function parseOptions(argv: readonly ByteString[]): LcsOptions {
  const options: LcsOptions = { len: false, idx: false, withMatchLen: false, minMatchLen: 0n };
  for (let j = 3; j < argv.length; j++) {
    const option = (argv[j] as ByteString).toLowerCase();
    if (option === 'idx') options.idx = true;
    else if (option === 'len') options.len = true;
    else if (option === 'withmatchlen') options.withMatchLen = true;
    else if (option === 'minmatchlen' && j + 1 < argv.length) {
      const value = requireBigInt(argv[++j] as ByteString);
      options.minMatchLen = value < 0n ? 0n : value;
    } else throw new CommandError(ERR_SYNTAX);
  }
  if (options.idx && options.len) {
    throw new CommandError('ERR If you want both the length and indexes, please just use IDX.');
  }
  return options;
}

/** A missing key is an empty string; any other type is refused (after both keys were looked up). */
function asOperand(value: Value | undefined): ByteString {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new CommandError('ERR The specified keys must contain string values');
  return value;
}

/** The dynamic-programming table: cell (i, j) is the LCS length of a[0..i) and b[0..j). */
function buildTable(a: ByteString, b: ByteString): Uint32Array {
  const width = b.length + 1;
  const cells = (a.length + 1) * width;
  if (cells * 4 > STRING_BYTES_MAX) {
    throw new CommandError('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  }
  const table = new Uint32Array(cells);
  for (let i = 1; i <= a.length; i++) {
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      table[i * width + j] =
        ai === b.charCodeAt(j - 1)
          ? (table[(i - 1) * width + j - 1] as number) + 1
          : Math.max(table[(i - 1) * width + j] as number, table[i * width + j - 1] as number);
    }
  }
  return table;
}

/** Walks the table back from the end, as Redis does, collecting the LCS and its matching ranges. */
function walkBack(
  a: ByteString,
  b: ByteString,
  table: Uint32Array,
  options: LcsOptions,
): { text: ByteString; matches: Reply[] } {
  const width = b.length + 1;
  const chars: string[] = [];
  const matches: Reply[] = [];
  let range: { aStart: number; aEnd: number; bStart: number; bEnd: number } | undefined;
  let i = a.length;
  let j = b.length;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      chars.push(a.charAt(i - 1));
      if (range === undefined) range = { aStart: i - 1, aEnd: i - 1, bStart: j - 1, bEnd: j - 1 };
      else {
        range.aStart--;
        range.bStart--;
      }
      if (range.aStart === 0 || range.bStart === 0) emit = true;
      i--;
      j--;
    } else {
      if ((table[(i - 1) * width + j] as number) > (table[i * width + j - 1] as number)) i--;
      else j--;
      if (range !== undefined) emit = true;
    }
    if (emit && range !== undefined) {
      const matchLen = range.aEnd - range.aStart + 1;
      if (options.minMatchLen === 0n || BigInt(matchLen) >= options.minMatchLen) {
        const match: Reply[] = [
          [range.aStart, range.aEnd],
          [range.bStart, range.bEnd],
        ];
        if (options.withMatchLen) match.push(matchLen);
        matches.push(match);
      }
      range = undefined;
    }
  }
  return { text: chars.reverse().join(''), matches };
}

/**
 * LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the longest common subsequence of
 * two strings (missing keys are empty), its length, or its matching ranges from the end backwards.
 */
export const lcs = defineCommand({
  name: 'lcs',
  arity: -3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 2,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const valueA = ctx.lookupRead(argv[1] as ByteString);
    const valueB = ctx.lookupRead(argv[2] as ByteString);
    const first = asOperand(valueA);
    const second = asOperand(valueB);
    const options = parseOptions(argv);
    const table = buildTable(first, second);
    const length = table[table.length - 1] as number;
    if (options.len) return length;
    const { text, matches } = walkBack(first, second, table, options);
    return options.idx ? ['matches', matches, 'len', length] : text;
  },
});
