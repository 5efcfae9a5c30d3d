import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { readSet } from './set-access.js';

/** SISMEMBER key member: 1 when member is in the set, else 0. */
export const sismember = defineCommand({
  name: 'sismember',
  arity: 3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => (readSet(ctx, argv[1] as ByteString)?.has(argv[2] as ByteString) === true ? 1 : 0),
});
