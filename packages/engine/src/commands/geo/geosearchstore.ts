import { defineCommand } from '../../command.js';
import { georadiusGeneric } from './search.js';

/** GEOSEARCHSTORE destination source … [STOREDIST]: stores the matches (scores or distances); deterministic, replicated as is. */
export const geosearchstore = defineCommand({
  name: 'geosearchstore',
  arity: -8,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 2,
  keyStep: 1,
  handler: (ctx, argv) => georadiusGeneric(ctx, argv, 'geosearchstore'),
});
