import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { ERR_SYNTAX } from '../../errors.js';
import { parseInteger, requireInteger } from '../../parse.js';
import { CommandError, type Reply } from '../../reply.js';
import { type Consumer, formatStreamId, STREAM_ID_MAX } from '../../types/stream.js';
import { entryReply, propagateClaim, propagateConsumerTimes, requireGroup, writableStream } from './stream-access.js';
import { parseRangeBound } from './stream-id.js';

const ATTEMPTS_FACTOR = 10;
/** LONG_MAX / 16, Redis's bound on COUNT. */
const COUNT_MAX = 576460752303423487;

interface AutoClaimOptions {
  count: number;
  justId: boolean;
}

function parseOptions(argv: readonly ByteString[]): AutoClaimOptions {
  const options: AutoClaimOptions = { count: 100, justId: false };
  for (let j = 6; j < argv.length; j++) {
    const name = (argv[j] as ByteString).toLowerCase();
    if (name === 'count' && j + 1 < argv.length) {
      const count = parseInteger(argv[++j] as ByteString);
      if (count === null || count < 1 || count > COUNT_MAX) throw new CommandError('ERR COUNT must be > 0');
      options.count = count;
    } else if (name === 'justid') {
      options.justId = true;
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  return options;
}

/**
 * XAUTOCLAIM key group consumer min-idle-time start [COUNT n] [JUSTID]:
 * [next start, claimed entries, IDs that were pending but deleted from the stream].
 */
export const xautoclaim = defineCommand({
  name: 'xautoclaim',
  arity: -6,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const [key, groupName, consumerName] = [argv[1] as ByteString, argv[2] as ByteString, argv[3] as ByteString];
    const minIdleMs = Math.max(
      0,
      requireInteger(argv[4] as ByteString, 'ERR Invalid min-idle-time argument for XAUTOCLAIM'),
    );
    const start = parseRangeBound(argv[5] as ByteString, 'start');
    const options = parseOptions(argv);
    const [stream, group] = requireGroup(writableStream(ctx, key), key, groupName);
    let attempts = options.count * ATTEMPTS_FACTOR;
    let count = options.count;
    const claimed: Reply[] = [];
    const deleted: Reply[] = [];
    const deletedIds: ByteString[] = [];
    let consumer: Consumer | undefined;
    const candidates = group.pending.idsBetween(start, STREAM_ID_MAX, attempts + 1);
    let index = 0;
    for (; attempts > 0 && count > 0 && index < candidates.length; index++, attempts--) {
      const id = candidates[index] as bigint;
      const fields = stream.get(id);
      if (fields === undefined) {
        group.acknowledge(id);
        deletedIds.push(formatStreamId(id));
        deleted.push(formatStreamId(id));
        count--;
        continue;
      }
      const pending = group.pending.get(id);
      if (pending === undefined || (minIdleMs !== 0 && ctx.nowMs - pending.deliveryTimeMs < minIdleMs)) continue;
      consumer ??= group.ensureConsumer(consumerName, ctx.nowMs)[0];
      consumer.seenTimeMs = ctx.nowMs;
      consumer.activeTimeMs = ctx.nowMs;
      const assigned = group.assign(id, consumer, ctx.nowMs, pending.deliveryCount + (options.justId ? 0 : 1));
      propagateClaim(ctx, key, groupName, consumerName, id, assigned.deliveryTimeMs, assigned.deliveryCount);
      claimed.push(options.justId ? formatStreamId(id) : entryReply({ id, fields }));
      count--;
    }
    if (deletedIds.length > 0) ctx.propagate(['XACK', key, groupName, ...deletedIds]);
    if (consumer !== undefined) propagateConsumerTimes(ctx, key, groupName, consumer);
    const next = candidates[index];
    return [next === undefined ? '0-0' : formatStreamId(next), claimed, deleted];
  },
});
