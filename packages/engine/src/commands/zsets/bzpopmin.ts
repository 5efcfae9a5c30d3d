import { defineCommand } from '../../command.js';
import { refuseBlocking } from './zset-access.js';

/** BZPOPMIN key [key …] timeout: refused; blocking needs a connection that waits, which REST does not have. */
export const bzpopmin = defineCommand({
  name: 'bzpopmin',
  arity: -3,
  flags: ['write', 'blocking'],
  firstKey: 1,
  lastKey: -2,
  keyStep: 1,
  handler: refuseBlocking,
});
