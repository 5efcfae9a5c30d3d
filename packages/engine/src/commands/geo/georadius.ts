import { defineCommand } from '../../command.js';
import { georadiusGeneric } from './search.js';
import { georadiusKeys } from './store-keys.js';

/** GEORADIUS key longitude latitude radius unit [options] [STORE|STOREDIST key] (deprecated in Redis 6.2, kept for older clients). */
export const georadius = defineCommand({
  name: 'georadius',
  arity: -6,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  keys: (argv) => georadiusKeys(argv, 6),
  handler: (ctx, argv) => georadiusGeneric(ctx, argv, 'georadius'),
});
