import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { readString } from './string-access.js';

/** STRLEN key: the value's length in bytes, 0 when absent. */
export const strlen = defineCommand({
  name: 'strlen',
  arity: 2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => readString(ctx, argv[1] as ByteString)?.length ?? 0,
});
