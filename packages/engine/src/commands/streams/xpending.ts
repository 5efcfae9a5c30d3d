import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { ERR_SYNTAX } from '../../errors.js';
import { requireInteger } from '../../parse.js';
import { CommandError, type Reply } from '../../reply.js';
import { type ConsumerGroup, formatStreamId, type StreamId } from '../../types/stream.js';
import { noGroupForKey, readStream } from './stream-access.js';
import { parseRangeBound } from './stream-id.js';

interface PendingQuery {
  minIdleMs: number;
  start: StreamId;
  end: StreamId;
  count: number;
  consumer: ByteString | undefined;
}

function parseQuery(argv: readonly ByteString[]): PendingQuery {
  let startIndex = 3;
  let minIdleMs = 0;
  if ((argv[3] as ByteString).toLowerCase() === 'idle') {
    minIdleMs = requireInteger(argv[4] as ByteString);
    if (argv.length < 8) throw new CommandError(ERR_SYNTAX);
    startIndex += 2;
  }
  const count = Math.max(0, requireInteger(argv[startIndex + 2] as ByteString));
  const start = parseRangeBound(argv[startIndex] as ByteString, 'start');
  const end = parseRangeBound(argv[startIndex + 1] as ByteString, 'end');
  return { minIdleMs, start, end, count, consumer: argv[startIndex + 3] };
}

/** [count, first id, last id, [[consumer, "n"], …]], or zeros and nils for an empty PEL. */
function summary(group: ConsumerGroup): Reply {
  const first = group.pending.first();
  const last = group.pending.last();
  if (first === undefined || last === undefined) return [0, null, null, null];
  const consumers: Reply[] = [];
  for (const consumer of group.sortedConsumers()) {
    if (consumer.pending.size > 0) consumers.push([consumer.name, String(consumer.pending.size)]);
  }
  return [group.pending.size, formatStreamId(first), formatStreamId(last), consumers];
}

function extended(ctx: ExecContext, group: ConsumerGroup, query: PendingQuery): Reply {
  let pel = group.pending;
  if (query.consumer !== undefined) {
    const consumer = group.consumers.get(query.consumer);
    if (consumer === undefined) return [];
    pel = consumer.pending;
  }
  const out: Reply[] = [];
  if (query.count === 0) return out;
  for (const id of pel.idsBetween(query.start, query.end)) {
    const entry = pel.get(id);
    if (entry === undefined) continue;
    const idleMs = ctx.nowMs - entry.deliveryTimeMs;
    if (query.minIdleMs !== 0 && idleMs < query.minIdleMs) continue;
    out.push([formatStreamId(id), entry.consumer.name, Math.max(0, idleMs), entry.deliveryCount]);
    if (out.length >= query.count) break;
  }
  return out;
}

/** XPENDING key group [[IDLE min-idle] start end count [consumer]]. */
export const xpending = defineCommand({
  name: 'xpending',
  arity: -3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    if (argv.length !== 3 && (argv.length < 6 || argv.length > 9)) throw new CommandError(ERR_SYNTAX);
    const query = argv.length >= 6 ? parseQuery(argv) : undefined;
    const key = argv[1] as ByteString;
    const group = readStream(ctx, key)?.groups.get(argv[2] as ByteString);
    if (group === undefined) throw noGroupForKey(key, argv[2] as ByteString);
    return query === undefined ? summary(group) : extended(ctx, group, query);
  },
});
