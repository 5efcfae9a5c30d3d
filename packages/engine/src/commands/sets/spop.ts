import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { ERR_NOT_POSITIVE, ERR_SYNTAX } from '../../errors.js';
import { parseInteger } from '../../parse.js';
import { CommandError, type Reply } from '../../reply.js';
import type { SetValue } from '../../types/set.js';
import { writableSet } from './set-access.js';

function popRandom(ctx: ExecContext, set: SetValue, count: number): ByteString[] {
  const popped: ByteString[] = [];
  while (popped.length < count) {
    const member = set.members.randomKey(ctx.random) as ByteString;
    set.remove(member);
    popped.push(member);
  }
  return popped;
}

/**
 * SPOP key [count]: removes and returns random members. The choice is resolved here, so replicas
 * get SREM of the popped members (DEL when the whole set went).
 */
export const spop = defineCommand({
  name: 'spop',
  arity: -2,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    if (argv.length > 3) throw new CommandError(ERR_SYNTAX);
    const hasCount = argv.length === 3;
    let count = 1;
    if (hasCount) {
      const parsed = parseInteger(argv[2] as ByteString);
      if (parsed === null || parsed < 0) throw new CommandError(ERR_NOT_POSITIVE);
      count = parsed;
    }
    const key = argv[1] as ByteString;
    const set = writableSet(ctx, key);
    if (set === undefined) return hasCount ? [] : null;
    if (count === 0) return [];
    let popped: ByteString[];
    if (count >= set.size) {
      popped = set.toArray();
      ctx.deleteKey(key);
      ctx.propagate(['DEL', key]);
    } else {
      popped = popRandom(ctx, set, count);
      ctx.propagate(['SREM', key, ...popped]);
    }
    return hasCount ? popped : (popped[0] ?? null);
  },
});
