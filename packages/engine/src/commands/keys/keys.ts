import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { globMatch } from '../../glob.js';

/** KEYS pattern: every live key matching the glob; expired keys are skipped (and deleted on the primary). */
export const keys = defineCommand({
  name: 'keys',
  arity: 2,
  flags: ['readonly', 'dangerous'],
  handler: (ctx, argv) => {
    const pattern = argv[1] as ByteString;
    const all = pattern === '*';
    const matching: ByteString[] = [];
    for (const key of ctx.db.data.keysIterator()) {
      if (all || globMatch(pattern, key)) matching.push(key);
    }
    return matching.filter((key) => !ctx.expireIfNeeded(key));
  },
});
