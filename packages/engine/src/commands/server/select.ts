import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { CommandError, OK } from '../../reply.js';
import { ERR_DB_INDEX_RANGE, parseDbIndex } from './db-index.js';

/** SELECT index: only database 0 exists. */
export const select = defineCommand({
  name: 'select',
  arity: 2,
  flags: [],
  handler: (_ctx, argv) => {
    if (parseDbIndex(argv[1] as ByteString) !== 0) throw new CommandError(ERR_DB_INDEX_RANGE);
    return OK;
  },
});
