import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { fieldValue, readHash } from './hash-access.js';

/** HSTRLEN key field: the length in bytes of the field's value, 0 when absent. */
export const hstrlen = defineCommand({
  name: 'hstrlen',
  arity: 3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const hash = readHash(ctx, argv[1] as ByteString);
    return hash === undefined ? 0 : (fieldValue(ctx, hash, argv[2] as ByteString)?.length ?? 0);
  },
});
