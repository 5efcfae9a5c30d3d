import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { parseLexInterval, rankSpanIn } from './ranges.js';
import { readZSet } from './zset-access.js';

/** ZLEXCOUNT key min max: members between two lex bounds (`[a`, `(a`, `-`, `+`). */
export const zlexcount = defineCommand({
  name: 'zlexcount',
  arity: 4,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const interval = parseLexInterval(argv[2] as ByteString, argv[3] as ByteString);
    const zset = readZSet(ctx, argv[1] as ByteString);
    if (zset === undefined) return 0;
    const [start, end] = rankSpanIn(zset, interval);
    return end - start;
  },
});
