import { defineCommand } from '../../command.js';
import { expireGeneric } from './key-expiry.js';

/** EXPIRE key seconds [NX|XX|GT|LT]. */
export const expire = defineCommand({
  name: 'expire',
  arity: -3,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => expireGeneric(ctx, argv, { name: 'expire', unit: 'seconds', relative: true }),
});
