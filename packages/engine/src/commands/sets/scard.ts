import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { readSet } from './set-access.js';

/** SCARD key: the number of members, 0 for a missing key. */
export const scard = defineCommand({
  name: 'scard',
  arity: 2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => readSet(ctx, argv[1] as ByteString)?.size ?? 0,
});
