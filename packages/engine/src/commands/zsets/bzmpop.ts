import { defineCommand } from '../../command.js';
import { numkeysPositions, refuseBlocking } from './zset-access.js';

/** BZMPOP timeout numkeys key [key …] MIN|MAX [COUNT count]: refused over REST, like every blocking form. */
export const bzmpop = defineCommand({
  name: 'bzmpop',
  arity: -5,
  flags: ['write', 'blocking'],
  keys: (argv) => numkeysPositions(argv, 2),
  handler: refuseBlocking,
});
