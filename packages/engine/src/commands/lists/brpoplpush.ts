import { defineCommand } from '../../command.js';
import { refuseBlocking } from './list-access.js';

/** BRPOPLPUSH source destination timeout: refused. Blocking needs a connection that waits, which REST does not have. */
export const brpoplpush = defineCommand({
  name: 'brpoplpush',
  arity: 4,
  flags: ['write', 'denyoom', 'blocking'],
  firstKey: 1,
  lastKey: 2,
  keyStep: 1,
  handler: refuseBlocking,
});
