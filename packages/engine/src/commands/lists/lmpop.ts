import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { ERR_SYNTAX } from '../../errors.js';
import { parseInteger } from '../../parse.js';
import { CommandError, type Reply } from '../../reply.js';
import { numkeysPositions, parseListEnd, popMany, writableList } from './list-access.js';

function parsePositive(text: ByteString, message: string): number {
  const value = parseInteger(text);
  if (value === null || value < 1) throw new CommandError(message);
  return value;
}

/**
 * LMPOP numkeys key [key …] LEFT|RIGHT [COUNT count]: pops up to `count` elements from the first
 * non-empty list, answering [key, elements] (nil when all are empty). Replicated as LPOP/RPOP key n.
 */
export const lmpop = defineCommand({
  name: 'lmpop',
  arity: -4,
  flags: ['write'],
  keys: (argv) => numkeysPositions(argv, 1),
  handler: (ctx, argv): Reply => {
    const numkeys = parsePositive(argv[1] as ByteString, 'ERR numkeys should be greater than 0');
    const whereIndex = 2 + numkeys;
    if (whereIndex >= argv.length) throw new CommandError(ERR_SYNTAX);
    const end = parseListEnd(argv[whereIndex] as ByteString);
    let count: number | undefined;
    for (let i = whereIndex + 1; i < argv.length; i++) {
      const value = argv[i + 1];
      if (count !== undefined || (argv[i] as ByteString).toLowerCase() !== 'count' || value === undefined) {
        throw new CommandError(ERR_SYNTAX);
      }
      count = parsePositive(value, 'ERR count should be greater than 0');
      i++;
    }
    for (let i = 2; i < whereIndex; i++) {
      const key = argv[i] as ByteString;
      const list = writableList(ctx, key);
      if (list === undefined) continue;
      const popped = popMany(ctx, key, list, end, count ?? 1);
      ctx.propagate([end === 'left' ? 'LPOP' : 'RPOP', key, String(popped.length)]);
      return [key, popped];
    }
    return null;
  },
});
