import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { Reply } from '../../reply.js';
import { formatScore, readZSet } from './zset-access.js';

/** ZMSCORE key member [member …]: one score or nil per member. */
export const zmscore = defineCommand({
  name: 'zmscore',
  arity: -3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const zset = readZSet(ctx, argv[1] as ByteString);
    const reply: Reply[] = [];
    for (let i = 2; i < argv.length; i++) {
      const score = zset?.score(argv[i] as ByteString);
      reply.push(score === undefined ? null : formatScore(score));
    }
    return reply;
  },
});
