import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';

/** TOUCH key [key …]: how many of the keys exist (access times are not tracked). */
export const touch = defineCommand({
  name: 'touch',
  arity: -2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: -1,
  keyStep: 1,
  handler: (ctx, argv) => {
    let count = 0;
    for (let i = 1; i < argv.length; i++) {
      if (ctx.lookupRead(argv[i] as ByteString) !== undefined) count++;
    }
    return count;
  },
});
