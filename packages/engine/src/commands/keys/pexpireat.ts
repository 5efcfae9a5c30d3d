import { defineCommand } from '../../command.js';
import { expireGeneric } from './key-expiry.js';

/** PEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT]. */
export const pexpireat = defineCommand({
  name: 'pexpireat',
  arity: -3,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => expireGeneric(ctx, argv, { name: 'pexpireat', unit: 'milliseconds', relative: false }),
});
