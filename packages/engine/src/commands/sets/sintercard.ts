import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { ERR_SYNTAX } from '../../errors.js';
import { parseInteger } from '../../parse.js';
import { CommandError } from '../../reply.js';
import { intersect, lookupSets } from './set-access.js';

function numkeysPositions(argv: readonly ByteString[]): number[] {
  const numkeys = parseInteger(argv[1] ?? '');
  if (numkeys === null || numkeys < 1) return [];
  const positions: number[] = [];
  for (let i = 2; i < 2 + numkeys && i < argv.length; i++) positions.push(i);
  return positions;
}

/** SINTERCARD numkeys key [key …] [LIMIT limit]: the size of the intersection, counting up to limit (0 = all). */
export const sintercard = defineCommand({
  name: 'sintercard',
  arity: -3,
  flags: ['readonly'],
  keys: numkeysPositions,
  handler: (ctx, argv) => {
    const numkeys = parseInteger(argv[1] as ByteString);
    if (numkeys === null || numkeys < 1) throw new CommandError('ERR numkeys should be greater than 0');
    if (numkeys > argv.length - 2) throw new CommandError("ERR Number of keys can't be greater than number of args");
    let limit = 0;
    for (let i = 2 + numkeys; i < argv.length; i++) {
      const value = argv[i + 1];
      if ((argv[i] as ByteString).toLowerCase() !== 'limit' || value === undefined) throw new CommandError(ERR_SYNTAX);
      const parsed = parseInteger(value);
      if (parsed === null || parsed < 0) throw new CommandError("ERR LIMIT can't be negative");
      limit = parsed;
      i++;
    }
    return intersect(lookupSets(ctx, argv, 2, 2 + numkeys), limit).length;
  },
});
