import { defineCommand } from '../../command.js';
import { expireGeneric } from './key-expiry.js';

/** EXPIREAT key unix-time-seconds [NX|XX|GT|LT]. */
export const expireat = defineCommand({
  name: 'expireat',
  arity: -3,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => expireGeneric(ctx, argv, { name: 'expireat', unit: 'seconds', relative: false }),
});
