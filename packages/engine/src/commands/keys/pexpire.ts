import { defineCommand } from '../../command.js';
import { expireGeneric } from './key-expiry.js';

/** PEXPIRE key milliseconds [NX|XX|GT|LT]. */
export const pexpire = defineCommand({
  name: 'pexpire',
  arity: -3,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => expireGeneric(ctx, argv, { name: 'pexpire', unit: 'milliseconds', relative: true }),
});
