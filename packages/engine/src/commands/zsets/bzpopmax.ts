import { defineCommand } from '../../command.js';
import { refuseBlocking } from './zset-access.js';

/** BZPOPMAX key [key …] timeout: refused; blocking needs a connection that waits, which REST does not have. */
export const bzpopmax = defineCommand({
  name: 'bzpopmax',
  arity: -3,
  flags: ['write', 'blocking'],
  firstKey: 1,
  lastKey: -2,
  keyStep: 1,
  handler: refuseBlocking,
});
