import { defineCommand } from '../../command.js';
import { georadiusGeneric } from './search.js';

/** GEORADIUSBYMEMBER_RO: GEORADIUSBYMEMBER without STORE (deprecated in Redis 6.2, kept for older clients). */
export const georadiusbymember_ro = defineCommand({
  name: 'georadiusbymember_ro',
  arity: -5,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => georadiusGeneric(ctx, argv, 'georadiusbymember_ro'),
});
