import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_SYNTAX } from '../../errors.js';
import { CommandError, OK, type Reply } from '../../reply.js';

/**
 * FLUSHDB and FLUSHALL [ASYNC|SYNC]: with one database they are the same; both replicate as
 * FLUSHALL, and only when there was something to delete.
 */
export function flushGeneric(ctx: ExecContext, argv: readonly ByteString[]): Reply {
  if (argv.length > 2) throw new CommandError(ERR_SYNTAX);
  const mode = argv[1]?.toLowerCase();
  if (mode !== undefined && mode !== 'sync' && mode !== 'async') throw new CommandError(ERR_SYNTAX);
  if (ctx.db.data.size > 0) {
    ctx.db.clear();
    ctx.propagate(['FLUSHALL']);
  }
  return OK;
}
