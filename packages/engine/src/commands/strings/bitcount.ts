import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { ERR_SYNTAX } from '../../errors.js';
import { CommandError } from '../../reply.js';
import { countBits, parseBitUnit } from './bits.js';
import { clampRange, readString, requireBigInt } from './string-access.js';

/**
 * BITCOUNT key [start end [BYTE|BIT]]: the number of set bits. As in Redis 7.0, a missing key
 * answers 0 before the range is even parsed.
 */
export const bitcount = defineCommand({
  name: 'bitcount',
  arity: -2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const value = readString(ctx, argv[1] as ByteString);
    if (value === undefined) return 0;
    if (argv.length === 2) return value.length === 0 ? 0 : countBits(value, 0, value.length * 8 - 1);
    if (argv.length !== 4 && argv.length !== 5) throw new CommandError(ERR_SYNTAX);
    const start = requireBigInt(argv[2] as ByteString);
    const end = requireBigInt(argv[3] as ByteString);
    if (start < 0n && end < 0n && start > end) return 0;
    const unit = argv.length === 5 ? parseBitUnit(argv[4] as ByteString) : 'byte';
    const range = clampRange(start, end, unit === 'bit' ? value.length * 8 : value.length);
    if (range === null) return 0;
    return unit === 'bit' ? countBits(value, range[0], range[1]) : countBits(value, range[0] * 8, range[1] * 8 + 7);
  },
});
