import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { OK } from '../../reply.js';
import { storeString } from './set.js';
import { expireAtMs } from './string-options.js';

/** PSETEX key milliseconds value; replicated as SET … PXAT with the absolute expiry. */
export const psetex = defineCommand({
  name: 'psetex',
  arity: 4,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const atMs = expireAtMs(ctx, 'px', argv[2] as ByteString, 'psetex');
    storeString(ctx, argv[1] as ByteString, argv[3] as ByteString, { atMs, keepTtl: false });
    return OK;
  },
});
