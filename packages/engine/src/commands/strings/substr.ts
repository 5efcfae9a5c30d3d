import { defineCommand } from '../../command.js';
import { getRange } from './getrange.js';

/** SUBSTR key start end: the old name of GETRANGE. */
export const substr = defineCommand({
  name: 'substr',
  arity: 4,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: getRange,
});
