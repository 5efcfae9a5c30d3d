import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { formatStreamId } from '../../types/stream.js';
import { writableStream } from './stream-access.js';
import { parseStrictStreamId } from './stream-id.js';

/** XDEL key id [id …]: entries deleted; replicated as XDEL of the IDs that existed. Empty streams stay. */
export const xdel = defineCommand({
  name: 'xdel',
  arity: -3,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const stream = writableStream(ctx, key);
    if (stream === undefined) return 0;
    const ids = argv.slice(2).map((text) => parseStrictStreamId(text));
    const deleted: ByteString[] = [];
    for (const id of ids) if (stream.delete(id)) deleted.push(formatStreamId(id));
    if (deleted.length > 0) ctx.propagate(['XDEL', key, ...deleted]);
    return deleted.length;
  },
});
