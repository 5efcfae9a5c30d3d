import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { readStream } from './stream-access.js';

/** XLEN key: the number of entries (0 for a missing key). */
export const xlen = defineCommand({
  name: 'xlen',
  arity: 2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => readStream(ctx, argv[1] as ByteString)?.length ?? 0,
});
