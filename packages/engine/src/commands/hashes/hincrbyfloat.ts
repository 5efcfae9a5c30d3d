import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { ERR_NAN_OR_INF, ERR_NOT_FLOAT } from '../../errors.js';
import { CommandError, type Reply } from '../../reply.js';
import { addLongDouble, formatLongDouble, longDoubleFromBigInt, parseLongDouble } from '../strings/long-double.js';
import { hashForWrite } from './hash-access.js';

/**
 * HINCRBYFLOAT key field increment: adds in long double precision as Redis does (INCRBYFLOAT's
 * arithmetic), keeping the field's TTL. Float
 * formatting must not differ between nodes, so replicas get the result: HSET, or HSETEX KEEPTTL
 * when the field has a TTL (as Redis 8 does) so that HSET does not drop it.
 */
export const hincrbyfloat = defineCommand({
  name: 'hincrbyfloat',
  arity: 4,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const increment = parseLongDouble(argv[3] as ByteString);
    if (increment === null) throw new CommandError(ERR_NOT_FLOAT);
    if (typeof increment === 'number') throw new CommandError('ERR value is NaN or Infinity');
    const key = argv[1] as ByteString;
    const field = argv[2] as ByteString;
    const hash = hashForWrite(ctx, key);
    const current = hash.fields.get(field);
    const value = current === undefined ? longDoubleFromBigInt(0n) : parseLongDouble(current);
    if (value === null) throw new CommandError('ERR hash value is not a float');
    if (typeof value === 'number') throw new CommandError(ERR_NAN_OR_INF);
    const result = addLongDouble(value, increment);
    if (result === null) throw new CommandError(ERR_NAN_OR_INF);
    const text = formatLongDouble(result);
    hash.setField(field, text, true);
    if (hash.fieldExpiresAtMs.has(field)) ctx.propagate(['HSETEX', key, 'KEEPTTL', 'FIELDS', '1', field, text]);
    else ctx.propagate(['HSET', key, field, text]);
    return text;
  },
});
