import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX } from '../../errors.js';
import { INT64, parseBigInt64 } from '../../parse.js';
import { CommandError, type Reply } from '../../reply.js';
import type { SetValue } from '../../types/set.js';
import { readSet } from './set-access.js';

/**
 * A negative count may repeat members, so the reply could be far larger than the set; Redis
 * streams any size, a REST reply has to fit in memory.
 */
export const srandmemberRepliesMax = 1_000_000;

function distinctRandom(ctx: ExecContext, set: SetValue, count: number): ByteString[] {
  if (count * 3 > set.size) {
    // Close to the whole set: drop random members from a copy instead of drawing.
    const members = set.toArray();
    while (members.length > count) {
      const index = Math.floor(ctx.random() * members.length);
      members[index] = members[members.length - 1] as ByteString;
      members.pop();
    }
    return members;
  }
  const chosen = new Set<ByteString>();
  while (chosen.size < count) chosen.add(set.members.randomKey(ctx.random) as ByteString);
  return [...chosen];
}

function parseCount(text: ByteString): bigint {
  const count = parseBigInt64(text);
  if (count === null) throw new CommandError(ERR_NOT_INTEGER);
  if (count === INT64.min) {
    throw new CommandError(
      'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    );
  }
  return count;
}

/**
 * SRANDMEMBER key [count]: random members without removing them; a positive count gives distinct
 * members (at most the whole set), a negative one may repeat them.
 */
export const srandmember = defineCommand({
  name: 'srandmember',
  arity: -2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    if (argv.length > 3) throw new CommandError(ERR_SYNTAX);
    const count = argv.length === 3 ? parseCount(argv[2] as ByteString) : undefined;
    const set = readSet(ctx, argv[1] as ByteString);
    if (count === undefined) return set === undefined ? null : (set.members.randomKey(ctx.random) ?? null);
    if (set === undefined || count === 0n) return [];
    if (count > 0n) return count >= BigInt(set.size) ? set.toArray() : distinctRandom(ctx, set, Number(count));
    if (-count > BigInt(srandmemberRepliesMax)) {
      throw new CommandError(
        `ERR count is out of range, a negative count may ask for at most ${srandmemberRepliesMax} members`,
      );
    }
    const picks: ByteString[] = [];
    for (let i = Number(-count); i > 0; i--) picks.push(set.members.randomKey(ctx.random) as ByteString);
    return picks;
  },
});
