import { defineCommand } from '../../command.js';
import { refuseBlocking } from './list-access.js';

/** BRPOP key [key …] timeout: refused. Blocking needs a connection that waits, which REST does not have. */
export const brpop = defineCommand({
  name: 'brpop',
  arity: -3,
  flags: ['write', 'blocking'],
  firstKey: 1,
  lastKey: -2,
  keyStep: 1,
  handler: refuseBlocking,
});
