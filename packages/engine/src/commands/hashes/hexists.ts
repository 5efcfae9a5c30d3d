import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { fieldValue, readHash } from './hash-access.js';

/** HEXISTS key field: 1 when the field exists, else 0. */
export const hexists = defineCommand({
  name: 'hexists',
  arity: 3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const hash = readHash(ctx, argv[1] as ByteString);
    return hash !== undefined && fieldValue(ctx, hash, argv[2] as ByteString) !== undefined ? 1 : 0;
  },
});
