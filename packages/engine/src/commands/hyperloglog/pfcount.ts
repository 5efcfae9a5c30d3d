import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { readString } from '../strings/string-access.js';
import { Hll, countRegisters, emptyRegisters } from './hll.js';

/** The union's estimate over several keys; missing keys count as empty HLLs. */
function countUnion(ctx: ExecContext, keys: readonly ByteString[]): number {
  const registers = emptyRegisters();
  for (const key of keys) {
    const value = readString(ctx, key);
    if (value !== undefined) Hll.parse(value).mergeInto(registers);
  }
  return countRegisters(registers);
}

/**
 * PFCOUNT key [key …]. With one key, the cached cardinality in the HLL's header is answered, or
 * computed and stored (Redis changes the string then): the primary stores it and logs `PFCOUNT key`
 * so replicas store the same bytes; a replica answering a read leaves its copy unchanged.
 */
export const pfcount = defineCommand({
  name: 'pfcount',
  arity: -2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: -1,
  keyStep: 1,
  handler: (ctx, argv) => {
    if (argv.length > 2) return countUnion(ctx, argv.slice(1));
    const key = argv[1] as ByteString;
    const value = readString(ctx, key);
    if (value === undefined) return 0;
    const hll = Hll.parse(value);
    if (hll.cacheValid) return hll.cachedCardinality;
    const card = hll.count();
    if (ctx.role === 'primary' || ctx.applying) {
      hll.cachedCardinality = card;
      ctx.setKey(key, hll.toByteString(), true);
      ctx.propagate(['PFCOUNT', key]);
    }
    return card;
  },
});
