import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { hashForWrite } from './hash-access.js';

/** HSETNX key field value: sets the field only when it does not exist; 1 if set, else 0. */
export const hsetnx = defineCommand({
  name: 'hsetnx',
  arity: 4,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const field = argv[2] as ByteString;
    const hash = hashForWrite(ctx, argv[1] as ByteString);
    if (hash.fields.has(field)) return 0;
    hash.setField(field, argv[3] as ByteString);
    ctx.propagateAsIs();
    return 1;
  },
});
