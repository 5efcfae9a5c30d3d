import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { Reply } from '../../reply.js';
import { ERR_NUMFIELDS_POSITIVE, parseFieldList } from './field-args.js';
import { deleteIfEmpty, fieldValue, writableHash } from './hash-access.js';

/**
 * HGETDEL key FIELDS numfields field…: the values (nil for missing fields), deleting the fields;
 * replicated as HDEL of the fields that existed. A hash left empty is deleted.
 */
export const hgetdel = defineCommand({
  name: 'hgetdel',
  arity: -5,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const key = argv[1] as ByteString;
    const hash = writableHash(ctx, key);
    const fields = parseFieldList(argv, 2, ERR_NUMFIELDS_POSITIVE, 'hgetdel');
    if (hash === undefined) return fields.map(() => null);
    const deleted: ByteString[] = [];
    const replies = fields.map((field) => {
      const value = fieldValue(ctx, hash, field);
      if (value === undefined) return null;
      hash.deleteField(field);
      deleted.push(field);
      return value;
    });
    if (deleted.length > 0) {
      deleteIfEmpty(ctx, key, hash);
      ctx.propagate(['HDEL', key, ...deleted]);
    }
    return replies;
  },
});
