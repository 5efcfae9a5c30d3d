import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { clampRange, readString, requireBigInt } from './string-access.js';

/** GETRANGE and SUBSTR: the bytes from start to end inclusive, negative indexes from the end. */
export function getRange(ctx: ExecContext, argv: readonly ByteString[]): ByteString {
  const start = requireBigInt(argv[2] as ByteString);
  const end = requireBigInt(argv[3] as ByteString);
  const value = readString(ctx, argv[1] as ByteString);
  if (value === undefined) return '';
  const range = clampRange(start, end, value.length);
  return range === null ? '' : value.slice(range[0], range[1] + 1);
}

/** GETRANGE key start end. */
export const getrange = defineCommand({
  name: 'getrange',
  arity: 4,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: getRange,
});
