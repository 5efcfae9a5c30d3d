import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_SYNTAX } from '../../errors.js';
import { requireInteger } from '../../parse.js';
import { CommandError, type Reply } from '../../reply.js';
import { entryReply, readStream } from './stream-access.js';
import { parseRangeBound } from './stream-id.js';

/** XRANGE key start end [COUNT n] and XREVRANGE key end start [COUNT n]. */
export function rangeCommand(ctx: ExecContext, argv: readonly ByteString[], reverse: boolean): Reply {
  const start = parseRangeBound(argv[reverse ? 3 : 2] as ByteString, 'start');
  const end = parseRangeBound(argv[reverse ? 2 : 3] as ByteString, 'end');
  let count = -1;
  for (let i = 4; i < argv.length; i++) {
    if ((argv[i] as ByteString).toLowerCase() === 'count' && i + 1 < argv.length) {
      count = Math.max(0, requireInteger(argv[i + 1] as ByteString));
      i++;
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  const stream = readStream(ctx, argv[1] as ByteString);
  if (stream === undefined) return [];
  if (count === 0) return null;
  return stream.range(start, end, count < 0 ? Infinity : count, reverse).map(entryReply);
}
