import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { readSet } from './set-access.js';

/** SMEMBERS key: every member, in no particular order. */
export const smembers = defineCommand({
  name: 'smembers',
  arity: 2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => readSet(ctx, argv[1] as ByteString)?.toArray() ?? [],
});
