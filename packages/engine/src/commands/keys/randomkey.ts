import { defineCommand } from '../../command.js';

const RANDOM_ATTEMPTS_MAX = 100;

/**
 * RANDOMKEY: a random live key, or nil. Expired keys picked on the way are skipped (and deleted on
 * the primary). Where every key is logically expired (a replica waiting for the primary's DELs),
 * the random attempts give up and one pass over the keyspace decides.
 */
export const randomkey = defineCommand({
  name: 'randomkey',
  arity: 1,
  flags: ['readonly', 'dangerous'],
  handler: (ctx) => {
    for (let attempt = 0; attempt < RANDOM_ATTEMPTS_MAX; attempt++) {
      const key = ctx.db.data.randomKey(ctx.random);
      if (key === undefined) return null;
      if (!ctx.expireIfNeeded(key)) return key;
    }
    for (const key of [...ctx.db.data.keysIterator()]) {
      if (!ctx.expireIfNeeded(key)) return key;
    }
    return null;
  },
});
