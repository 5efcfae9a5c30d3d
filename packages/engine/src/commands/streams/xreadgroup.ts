import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { CommandError, type Reply } from '../../reply.js';
import {
  type Consumer,
  type ConsumerGroup,
  formatStreamId,
  STREAM_ID_MAX,
  type StreamId,
  type StreamValue,
} from '../../types/stream.js';
import { advanceGroup } from './entries-read.js';
import { parseReadArgs, type ReadArgs } from './read-args.js';
import { entryReply, noGroupForKey, propagateClaim, propagateConsumerTimes, writableStream } from './stream-access.js';
import { parseStrictStreamId } from './stream-id.js';
import { hasBlockOption, readKeys } from './xread.js';

interface GroupRead {
  key: ByteString;
  groupName: ByteString;
  stream: StreamValue;
  group: ConsumerGroup;
  /** undefined for `>` (new entries), else the consumer's history after this ID. */
  after: StreamId | undefined;
}

function resolveTargets(ctx: ExecContext, args: ReadArgs, groupName: ByteString): GroupRead[] {
  return args.keys.map((key, i) => {
    const stream = writableStream(ctx, key);
    const group = stream?.groups.get(groupName);
    if (stream === undefined || group === undefined) {
      throw noGroupForKey(key, groupName, ' in XREADGROUP with GROUP option');
    }
    const text = args.ids[i] as ByteString;
    if (text === '$') {
      throw new CommandError(
        'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
      );
    }
    return { key, groupName, stream, group, after: text === '>' ? undefined : parseStrictStreamId(text) };
  });
}

/** Redelivers the consumer's pending entries after `after`; deleted entries answer [id, nil]. */
function readHistory(ctx: ExecContext, target: GroupRead, consumer: Consumer | undefined, count: number): Reply[] {
  if (consumer === undefined || target.after === undefined || target.after === STREAM_ID_MAX) return [];
  const out: Reply[] = [];
  for (const id of consumer.pending.idsBetween(target.after + 1n, STREAM_ID_MAX, count)) {
    const fields = target.stream.get(id);
    if (fields === undefined) {
      out.push([formatStreamId(id), null]);
      continue;
    }
    const pending = target.group.assign(id, consumer, ctx.nowMs, (consumer.pending.get(id)?.deliveryCount ?? 0) + 1);
    propagateClaim(ctx, target.key, target.groupName, consumer.name, id, pending.deliveryTimeMs, pending.deliveryCount);
    out.push([formatStreamId(id), [...fields]]);
  }
  return out;
}

/** Delivers entries after the group's last ID; each becomes pending for the consumer unless NOACK. */
function readNew(ctx: ExecContext, target: GroupRead, consumer: Consumer | undefined, count: number): Reply[] {
  const { stream, group, key, groupName } = target;
  const entries = stream.range(group.lastId + 1n, STREAM_ID_MAX, count);
  for (const entry of entries) {
    advanceGroup(stream, group, entry.id);
    if (consumer !== undefined) {
      group.assign(entry.id, consumer, ctx.nowMs, 1);
      propagateClaim(ctx, key, groupName, consumer.name, entry.id, ctx.nowMs, 1);
    }
  }
  if (entries.length > 0) {
    const entriesRead = group.entriesRead === null ? [] : ['ENTRIESREAD', group.entriesRead.toString()];
    ctx.propagate(['XGROUP', 'SETID', key, groupName, formatStreamId(group.lastId), ...entriesRead]);
  }
  return entries.map(entryReply);
}

/**
 * XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key … id ….
 * Replicated as Redis does: an XCLAIM with explicit time and count per delivered entry, XGROUP
 * SETID with ENTRIESREAD for the group's progress, and the consumer's exact times. NOACK
 * creates no consumer (an Upstash difference).
 */
export const xreadgroup = defineCommand({
  name: 'xreadgroup',
  arity: -7,
  flags: ['write'],
  keys: readKeys,
  blocksWith: (argv) => hasBlockOption(argv, 4),
  handler: (ctx, argv): Reply => {
    const args = parseReadArgs(argv, true);
    const { name: groupName, consumer: consumerName } = args.group as { name: ByteString; consumer: ByteString };
    const count = args.count === 0 ? Infinity : args.count;
    const reply: Reply[] = [];
    for (const target of resolveTargets(ctx, args, groupName)) {
      const history = target.after !== undefined;
      const last = target.stream.last();
      const hasNew = last !== undefined && last.id > target.group.lastId;
      // Like Redis 7.0, a consumer is created (or its seen-time refreshed) only when served.
      if (!history && !hasNew) continue;
      let consumer = target.group.consumers.get(consumerName);
      if (consumer === undefined && !args.noAck) consumer = target.group.ensureConsumer(consumerName, ctx.nowMs)[0];
      if (consumer !== undefined) consumer.seenTimeMs = ctx.nowMs;
      const pendingConsumer = args.noAck && !history ? undefined : consumer;
      const entries = history
        ? readHistory(ctx, target, consumer, count)
        : readNew(ctx, target, pendingConsumer, count);
      if (consumer !== undefined) {
        if (entries.length > 0) consumer.activeTimeMs = ctx.nowMs;
        propagateConsumerTimes(ctx, target.key, groupName, consumer);
      }
      reply.push([target.key, entries]);
    }
    return reply.length === 0 ? null : reply;
  },
});
