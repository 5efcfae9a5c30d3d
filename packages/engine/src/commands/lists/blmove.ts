import { defineCommand } from '../../command.js';
import { refuseBlocking } from './list-access.js';

/** BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout: refused. Blocking needs a connection that waits, which REST does not have. */
export const blmove = defineCommand({
  name: 'blmove',
  arity: 6,
  flags: ['write', 'denyoom', 'blocking'],
  firstKey: 1,
  lastKey: 2,
  keyStep: 1,
  handler: refuseBlocking,
});
