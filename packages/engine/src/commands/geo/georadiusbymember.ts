import { defineCommand } from '../../command.js';
import { georadiusGeneric } from './search.js';
import { georadiusKeys } from './store-keys.js';

/** GEORADIUSBYMEMBER key member radius unit [options] [STORE|STOREDIST key] (deprecated in Redis 6.2, kept for older clients). */
export const georadiusbymember = defineCommand({
  name: 'georadiusbymember',
  arity: -5,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  keys: (argv) => georadiusKeys(argv, 5),
  handler: (ctx, argv) => georadiusGeneric(ctx, argv, 'georadiusbymember'),
});
