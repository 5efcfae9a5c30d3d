import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { ERR_SYNTAX } from '../../errors.js';
import { CommandError } from '../../reply.js';
import { findBit, parseBitUnit } from './bits.js';
import { clampRange, readString, requireBigInt } from './string-access.js';

/**
 * BITPOS key 0|1 [start [end [BYTE|BIT]]]: the first bit with that value in the range, or -1.
 * Looking for 0 without an explicit end counts the bits past the string as zeros.
 */
export const bitpos = defineCommand({
  name: 'bitpos',
  arity: -3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const bit = requireBigInt(argv[2] as ByteString);
    if (bit !== 0n && bit !== 1n) throw new CommandError('ERR The bit argument must be 1 or 0.');
    const target = bit === 1n ? 1 : 0;
    const value = readString(ctx, argv[1] as ByteString);
    if (value === undefined) return target === 1 ? -1 : 0;
    if (argv.length > 6) throw new CommandError(ERR_SYNTAX);
    const start = argv.length > 3 ? requireBigInt(argv[3] as ByteString) : 0n;
    const unit = argv.length === 6 ? parseBitUnit(argv[5] as ByteString) : 'byte';
    const endGiven = argv.length >= 5;
    const end = endGiven ? requireBigInt(argv[4] as ByteString) : -1n;
    const length = unit === 'bit' ? value.length * 8 : value.length;
    const range = clampRange(start, end, length, false);
    if (range === null) return -1;
    const [fromBit, toBit] = unit === 'bit' ? range : [range[0] * 8, range[1] * 8 + 7];
    const position = findBit(value, target, fromBit, toBit);
    if (position >= 0 || target === 1 || endGiven) return position;
    return value.length * 8;
  },
});
