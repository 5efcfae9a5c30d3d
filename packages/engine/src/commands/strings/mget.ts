import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';

/** MGET key [key …]: each value, nil for missing keys and keys of other types. */
export const mget = defineCommand({
  name: 'mget',
  arity: -2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: -1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const values: (ByteString | null)[] = [];
    for (let i = 1; i < argv.length; i++) {
      const value = ctx.lookupRead(argv[i] as ByteString);
      values.push(typeof value === 'string' ? value : null);
    }
    return values;
  },
});
