import { defineCommand } from '../../command.js';
import { georadiusGeneric } from './search.js';

/** GEORADIUS_RO: GEORADIUS without STORE (deprecated in Redis 6.2, kept for older clients). */
export const georadius_ro = defineCommand({
  name: 'georadius_ro',
  arity: -6,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => georadiusGeneric(ctx, argv, 'georadius_ro'),
});
