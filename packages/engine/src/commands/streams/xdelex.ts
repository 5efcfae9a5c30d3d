import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { Reply } from '../../reply.js';
import { dropReferences, isReferenced, parseDeleteArgs, parseIds } from './delete-args.js';
import { writableStream } from './stream-access.js';

/**
 * XDELEX key [KEEPREF | DELREF | ACKED] IDS numids id … (Redis 8.2): per ID 1 deleted, -1 not
 * there, 2 kept because a group still references it (ACKED). Deterministic, so replicated as is.
 */
export const xdelex = defineCommand({
  name: 'xdelex',
  arity: -5,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const stream = writableStream(ctx, argv[1] as ByteString);
    const args = parseDeleteArgs(argv, 2);
    if (stream === undefined) return args.idTexts.map(() => -1);
    const ids = parseIds(args.idTexts);
    let changed = false;
    const reply = ids.map((id) => {
      if (args.policy === 'acked' && isReferenced(stream, id)) return 2;
      if (args.policy === 'delref' && dropReferences(stream, id)) changed = true;
      if (!stream.delete(id)) return -1;
      changed = true;
      return 1;
    });
    if (changed) ctx.propagateAsIs();
    return reply;
  },
});
