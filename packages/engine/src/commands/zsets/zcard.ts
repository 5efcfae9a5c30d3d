import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { readZSet } from './zset-access.js';

/** ZCARD key: the number of members (0 for a missing key). */
export const zcard = defineCommand({
  name: 'zcard',
  arity: 2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => readZSet(ctx, argv[1] as ByteString)?.size ?? 0,
});
