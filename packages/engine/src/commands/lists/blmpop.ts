import { defineCommand } from '../../command.js';
import { numkeysPositions, refuseBlocking } from './list-access.js';

/** BLMPOP timeout numkeys key [key …] LEFT|RIGHT [COUNT count]: refused. Blocking needs a connection that waits, which REST does not have. */
export const blmpop = defineCommand({
  name: 'blmpop',
  arity: -5,
  flags: ['write', 'blocking'],
  keys: (argv) => numkeysPositions(argv, 2),
  handler: refuseBlocking,
});
