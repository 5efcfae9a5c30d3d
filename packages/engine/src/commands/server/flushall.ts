import { defineCommand } from '../../command.js';
import { flushGeneric } from './flush.js';

/** FLUSHALL [ASYNC|SYNC]. */
export const flushall = defineCommand({
  name: 'flushall',
  arity: -1,
  flags: ['write', 'dangerous'],
  handler: flushGeneric,
});
