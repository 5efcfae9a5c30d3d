import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { readSet } from './set-access.js';

/** SMISMEMBER key member [member …]: 1 or 0 for each member. */
export const smismember = defineCommand({
  name: 'smismember',
  arity: -3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const set = readSet(ctx, argv[1] as ByteString);
    return argv.slice(2).map((member) => (set?.has(member) === true ? 1 : 0));
  },
});
