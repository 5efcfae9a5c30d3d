import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { globMatch } from '../../glob.js';
import { parseScanArgs } from '../../scan-args.js';
import { typeOf } from '../../value.js';

/**
 * SCAN cursor [MATCH pattern] [COUNT n] [TYPE type] [WITHTYPE]. A key present for a whole
 * iteration is returned by it (ScanDict slots are stable). WITHTYPE (Upstash) answers
 * [key, type, key, type, …]. Expired keys are skipped, and deleted on the primary.
 */
export const scan = defineCommand({
  name: 'scan',
  arity: -2,
  flags: ['readonly', 'dangerous'],
  handler: (ctx, argv) => {
    const args = parseScanArgs(argv, 1, { type: true, withType: true });
    const visited: ByteString[] = [];
    const next = ctx.db.data.scan(args.cursor, args.count, (key) => visited.push(key));
    const items: ByteString[] = [];
    for (const key of visited) {
      if (args.match !== undefined && args.match !== '*' && !globMatch(args.match, key)) continue;
      const value = ctx.lookup(key);
      if (value === undefined) continue;
      const type = typeOf(value);
      if (args.type !== undefined && type !== args.type) continue;
      items.push(key);
      if (args.withType) items.push(type);
    }
    return [String(next), items];
  },
});
