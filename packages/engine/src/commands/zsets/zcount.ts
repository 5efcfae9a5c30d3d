import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { parseScoreInterval, rankSpanIn } from './ranges.js';
import { readZSet } from './zset-access.js';

/** ZCOUNT key min max: members with a score in [min, max] (`(` excludes), in O(log n). */
export const zcount = defineCommand({
  name: 'zcount',
  arity: 4,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const interval = parseScoreInterval(argv[2] as ByteString, argv[3] as ByteString);
    const zset = readZSet(ctx, argv[1] as ByteString);
    if (zset === undefined) return 0;
    const [start, end] = rankSpanIn(zset, interval);
    return end - start;
  },
});
