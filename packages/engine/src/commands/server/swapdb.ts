import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { CommandError, OK } from '../../reply.js';
import { ERR_DB_INDEX_RANGE, parseDbIndex } from './db-index.js';

/** SWAPDB index1 index2: with one database only `SWAPDB 0 0` (a no-op) is valid. */
export const swapdb = defineCommand({
  name: 'swapdb',
  arity: 3,
  flags: ['write', 'dangerous'],
  handler: (_ctx, argv) => {
    const first = parseDbIndex(argv[1] as ByteString, 'ERR invalid first DB index');
    const second = parseDbIndex(argv[2] as ByteString, 'ERR invalid second DB index');
    if (first !== 0 || second !== 0) throw new CommandError(ERR_DB_INDEX_RANGE);
    return OK;
  },
});
