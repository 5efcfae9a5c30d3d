import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { Reply } from '../../reply.js';
import { dropReferences, isReferenced, parseDeleteArgs, parseIds } from './delete-args.js';
import { writableStream } from './stream-access.js';

/**
 * XACKDEL key group [KEEPREF | DELREF | ACKED] IDS numids id … (Redis 8.2): acknowledges each ID
 * in the group and deletes the entry; per ID 1 done, -1 not pending in the group, 2 acknowledged
 * but kept because another group still references it (ACKED). Replicated as is.
 */
export const xackdel = defineCommand({
  name: 'xackdel',
  arity: -6,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const stream = writableStream(ctx, argv[1] as ByteString);
    const args = parseDeleteArgs(argv, 3);
    const group = stream?.groups.get(argv[2] as ByteString);
    if (stream === undefined || group === undefined) return args.idTexts.map(() => -1);
    const ids = parseIds(args.idTexts);
    let changed = false;
    const reply = ids.map((id) => {
      if (!group.acknowledge(id)) return -1;
      changed = true;
      if (args.policy === 'acked' && isReferenced(stream, id)) return 2;
      if (args.policy === 'delref') dropReferences(stream, id);
      stream.delete(id);
      return 1;
    });
    if (changed) ctx.propagateAsIs();
    return reply;
  },
});
