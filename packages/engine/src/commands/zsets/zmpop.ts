import { defineCommand } from '../../command.js';
import { zmpopCommand } from './pop.js';
import { numkeysPositions } from './zset-access.js';

/** ZMPOP numkeys key [key …] MIN|MAX [COUNT count]; replicated as ZPOPMIN/ZPOPMAX of the key popped. */
export const zmpop = defineCommand({
  name: 'zmpop',
  arity: -4,
  flags: ['write'],
  keys: (argv) => numkeysPositions(argv, 1),
  handler: (ctx, argv) => zmpopCommand(ctx, argv, 1),
});
