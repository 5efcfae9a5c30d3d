import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { writableStream } from './stream-access.js';
import { parseAddOrTrimArgs, trimEffect, trimStream } from './trim.js';

/** XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]: entries removed; replicated as an exact MAXLEN. */
export const xtrim = defineCommand({
  name: 'xtrim',
  arity: -4,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    // Arguments before the key's type, as Redis checks them.
    const args = parseAddOrTrimArgs(ctx, argv, false);
    const stream = writableStream(ctx, key);
    if (stream === undefined) return 0;
    const removed = trimStream(stream, args);
    if (removed > 0) ctx.propagate(trimEffect(key, stream));
    return removed;
  },
});
