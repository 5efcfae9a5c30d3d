import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { readHash, visibleSize } from './hash-access.js';

/** HLEN key: the number of fields (expired fields never counted, unlike Redis's O(1) HLEN). */
export const hlen = defineCommand({
  name: 'hlen',
  arity: 2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const hash = readHash(ctx, argv[1] as ByteString);
    return hash === undefined ? 0 : visibleSize(ctx, hash);
  },
});
