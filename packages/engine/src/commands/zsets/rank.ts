import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_SYNTAX, wrongArity } from '../../errors.js';
import { CommandError, type Reply } from '../../reply.js';
import { formatScore, readZSet } from './zset-access.js';

/** ZRANK and ZREVRANK key member [WITHSCORE] (Redis 7.2): the rank, or [rank, score]; nil when absent. */
export function rankCommand(ctx: ExecContext, argv: readonly ByteString[], reverse: boolean): Reply {
  if (argv.length > 4) throw new CommandError(wrongArity(argv[0] as ByteString));
  const withScore = argv.length === 4;
  if (withScore && (argv[3] as ByteString).toLowerCase() !== 'withscore') throw new CommandError(ERR_SYNTAX);
  const zset = readZSet(ctx, argv[1] as ByteString);
  const member = argv[2] as ByteString;
  const rank = zset?.rank(member);
  if (zset === undefined || rank === undefined) return null;
  const reply = reverse ? zset.size - 1 - rank : rank;
  return withScore ? [reply, formatScore(zset.score(member) as number)] : reply;
}
