import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { ERR_NAN_OR_INF, ERR_NOT_FLOAT } from '../../errors.js';
import { CommandError } from '../../reply.js';
import {
  addLongDouble,
  formatLongDouble,
  type LongDouble,
  longDoubleFromBigInt,
  parseLongDouble,
} from './long-double.js';
import { writableString } from './string-access.js';

function requireLongDouble(text: ByteString): LongDouble | number {
  const value = parseLongDouble(text);
  if (value === null) throw new CommandError(ERR_NOT_FLOAT);
  return value;
}

/**
 * INCRBYFLOAT key increment: adds in long double precision, as Redis does, and stores the result
 * as plain decimal text. The key keeps its TTL; replicated as SET key result KEEPTTL.
 */
export const incrbyfloat = defineCommand({
  name: 'incrbyfloat',
  arity: 3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const current = writableString(ctx, key);
    const value = current === undefined ? longDoubleFromBigInt(0n) : requireLongDouble(current);
    const increment = requireLongDouble(argv[2] as ByteString);
    // Infinite operands (text such as "inf") can only give an infinite or NaN sum.
    if (typeof value === 'number' || typeof increment === 'number') throw new CommandError(ERR_NAN_OR_INF);
    const sum = addLongDouble(value, increment);
    if (sum === null) throw new CommandError(ERR_NAN_OR_INF);
    const text = formatLongDouble(sum);
    if (current === undefined) ctx.addKey(key, text);
    else ctx.setKey(key, text, true);
    ctx.propagate(['SET', key, text, 'KEEPTTL']);
    return text;
  },
});
