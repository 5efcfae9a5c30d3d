import { defineCommand } from '../../command.js';
import { renameGeneric } from './rename.js';

/** RENAMENX key newkey: 1 when renamed, 0 when newkey exists. */
export const renamenx = defineCommand({
  name: 'renamenx',
  arity: 3,
  flags: ['write'],
  firstKey: 1,
  lastKey: 2,
  keyStep: 1,
  handler: (ctx, argv) => renameGeneric(ctx, argv, true),
});
