import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { formatStreamId } from '../../types/stream.js';
import { writableStream } from './stream-access.js';
import { parseStrictStreamId } from './stream-id.js';

/** XACK key group id [id …]: pending entries removed; replicated as XACK of those IDs. */
export const xack = defineCommand({
  name: 'xack',
  arity: -4,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const group = writableStream(ctx, key)?.groups.get(argv[2] as ByteString);
    if (group === undefined) return 0;
    const ids = argv.slice(3).map((text) => parseStrictStreamId(text));
    const acknowledged: ByteString[] = [];
    for (const id of ids) if (group.acknowledge(id)) acknowledged.push(formatStreamId(id));
    if (acknowledged.length > 0) ctx.propagate(['XACK', key, argv[2] as ByteString, ...acknowledged]);
    return acknowledged.length;
  },
});
