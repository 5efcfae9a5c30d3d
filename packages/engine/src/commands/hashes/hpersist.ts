import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { Reply } from '../../reply.js';
import { ERR_NUMFIELDS_POSITIVE, NO_FIELD, NO_TTL, parseFieldList, TTL_SET } from './field-args.js';
import { fieldValue, writableHash } from './hash-access.js';

/**
 * HPERSIST key FIELDS numfields field…: removes the fields' TTLs; per field 1 removed, -1 had
 * none, -2 no such field. Replicated as HPERSIST of the fields that changed.
 */
export const hpersist = defineCommand({
  name: 'hpersist',
  arity: -5,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const key = argv[1] as ByteString;
    const hash = writableHash(ctx, key);
    const fields = parseFieldList(argv, 2, ERR_NUMFIELDS_POSITIVE, 'hpersist');
    const persisted: ByteString[] = [];
    const replies = fields.map((field) => {
      if (hash === undefined || fieldValue(ctx, hash, field) === undefined) return NO_FIELD;
      if (!hash.persistField(field)) return NO_TTL;
      persisted.push(field);
      return TTL_SET;
    });
    if (persisted.length > 0) ctx.propagate(['HPERSIST', key, 'FIELDS', String(persisted.length), ...persisted]);
    return replies;
  },
});
