import { defineCommand } from '../../command.js';

/** DBSIZE: the number of keys, logically expired ones included (as Redis counts them). */
export const dbsize = defineCommand({
  name: 'dbsize',
  arity: 1,
  flags: ['readonly'],
  handler: (ctx) => ctx.db.data.size,
});
