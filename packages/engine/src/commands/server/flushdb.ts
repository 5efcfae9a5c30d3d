import { defineCommand } from '../../command.js';
import { flushGeneric } from './flush.js';

/** FLUSHDB [ASYNC|SYNC]. */
export const flushdb = defineCommand({
  name: 'flushdb',
  arity: -1,
  flags: ['write', 'dangerous'],
  handler: flushGeneric,
});
