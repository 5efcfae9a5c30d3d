import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { ERR_NOT_INTEGER, ERR_OVERFLOW } from '../../errors.js';
import { INT64, parseBigInt64 } from '../../parse.js';
import { CommandError, type Reply } from '../../reply.js';
import { hashForWrite } from './hash-access.js';

/**
 * HINCRBY key field increment: adds to the field's integer value (0 when absent), keeping its
 * TTL; deterministic, so it replicates as is.
 */
export const hincrby = defineCommand({
  name: 'hincrby',
  arity: 4,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const increment = parseBigInt64(argv[3] as ByteString);
    if (increment === null) throw new CommandError(ERR_NOT_INTEGER);
    const field = argv[2] as ByteString;
    const hash = hashForWrite(ctx, argv[1] as ByteString);
    const current = hash.fields.get(field);
    const value = current === undefined ? 0n : parseBigInt64(current);
    if (value === null) throw new CommandError('ERR hash value is not an integer');
    const result = value + increment;
    if (result < INT64.min || result > INT64.max) throw new CommandError(ERR_OVERFLOW);
    hash.setField(field, result.toString(), true);
    ctx.propagateAsIs();
    return Number.isSafeInteger(Number(result)) ? Number(result) : result;
  },
});
