import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { formatScore, readZSet } from './zset-access.js';

/** ZSCORE key member: the score, or nil. */
export const zscore = defineCommand({
  name: 'zscore',
  arity: 3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const score = readZSet(ctx, argv[1] as ByteString)?.score(argv[2] as ByteString);
    return score === undefined ? null : formatScore(score);
  },
});
