import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { deleteIfEmpty, writableHash } from './hash-access.js';

/** HDEL key field [field …]: the number of fields removed; replicated as HDEL of those fields. */
export const hdel = defineCommand({
  name: 'hdel',
  arity: -3,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const hash = writableHash(ctx, key);
    if (hash === undefined) return 0;
    const removed: ByteString[] = [];
    for (const field of argv.slice(2)) if (hash.deleteField(field)) removed.push(field);
    if (removed.length === 0) return 0;
    deleteIfEmpty(ctx, key, hash);
    ctx.propagate(['HDEL', key, ...removed]);
    return removed.length;
  },
});
