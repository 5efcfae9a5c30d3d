import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { readList } from './list-access.js';

/** LLEN key: the list's length, 0 for a missing key. */
export const llen = defineCommand({
  name: 'llen',
  arity: 2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => readList(ctx, argv[1] as ByteString)?.length ?? 0,
});
