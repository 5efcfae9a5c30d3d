import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { requireInteger } from '../../parse.js';
import { CommandError, type Reply } from '../../reply.js';
import {
  type Consumer,
  type ConsumerGroup,
  formatStreamId,
  type StreamId,
  type StreamValue,
} from '../../types/stream.js';
import { entryReply, propagateClaim, propagateConsumerTimes, requireGroup, writableStream } from './stream-access.js';
import { isStrictStreamId, parseStrictStreamId } from './stream-id.js';

interface ClaimOptions {
  ids: StreamId[];
  /** Absolute delivery time from IDLE/TIME, or undefined for now. */
  deliveryTimeMs: number | undefined;
  retryCount: number | undefined;
  force: boolean;
  justId: boolean;
  lastId: StreamId;
}

function parseClaimOptions(ctx: ExecContext, argv: readonly ByteString[]): ClaimOptions {
  const options: ClaimOptions = {
    ids: [],
    deliveryTimeMs: undefined,
    retryCount: undefined,
    force: false,
    justId: false,
    lastId: 0n,
  };
  let j = 5;
  for (; j < argv.length && isStrictStreamId(argv[j] as ByteString); j++)
    options.ids.push(parseStrictStreamId(argv[j] as ByteString));
  for (; j < argv.length; j++) {
    const text = argv[j] as ByteString;
    const name = text.toLowerCase();
    const hasValue = j + 1 < argv.length;
    if (name === 'force') options.force = true;
    else if (name === 'justid') options.justId = true;
    else if (name === 'idle' && hasValue) {
      options.deliveryTimeMs =
        ctx.nowMs - requireInteger(argv[++j] as ByteString, 'ERR Invalid IDLE option argument for XCLAIM');
    } else if (name === 'time' && hasValue) {
      options.deliveryTimeMs = requireInteger(argv[++j] as ByteString, 'ERR Invalid TIME option argument for XCLAIM');
    } else if (name === 'retrycount' && hasValue) {
      options.retryCount = requireInteger(argv[++j] as ByteString, 'ERR Invalid RETRYCOUNT option argument for XCLAIM');
    } else if (name === 'lastid' && hasValue) {
      options.lastId = parseStrictStreamId(argv[++j] as ByteString);
    } else {
      throw new CommandError(`ERR Unrecognized XCLAIM option '${text}'`);
    }
  }
  return options;
}

interface ClaimTarget {
  key: ByteString;
  groupName: ByteString;
  stream: StreamValue;
  group: ConsumerGroup;
}

/** Claims one ID; returns its reply item or undefined when it is skipped. */
function claimOne(
  ctx: ExecContext,
  target: ClaimTarget,
  id: StreamId,
  options: ClaimOptions,
  minIdleMs: number,
  getConsumer: () => Consumer,
  deliveryTimeMs: number,
): Reply | undefined {
  const { stream, group } = target;
  let pending = group.pending.get(id);
  const fields = stream.get(id);
  if (fields === undefined) {
    if (pending !== undefined) {
      group.acknowledge(id);
      ctx.propagate(['XACK', target.key, target.groupName, formatStreamId(id)]);
    }
    return undefined;
  }
  const forced = pending === undefined && options.force;
  if (pending === undefined && !forced) return undefined;
  if (pending !== undefined && minIdleMs !== 0 && ctx.nowMs - pending.deliveryTimeMs < minIdleMs) return undefined;
  const consumer = getConsumer();
  // A FORCEd claim creates its pending entry with one delivery, as Redis does, then counts this one.
  const count = options.retryCount ?? (pending?.deliveryCount ?? 1) + (options.justId ? 0 : 1);
  pending = group.assign(id, consumer, deliveryTimeMs, count);
  propagateClaim(ctx, target.key, target.groupName, consumer.name, id, pending.deliveryTimeMs, pending.deliveryCount);
  return options.justId ? formatStreamId(id) : entryReply({ id, fields });
}

/**
 * XCLAIM key group consumer min-idle-time id … [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id].
 * Replicated as one XCLAIM per claimed entry with explicit TIME and RETRYCOUNT.
 */
export const xclaim = defineCommand({
  name: 'xclaim',
  arity: -6,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const [key, groupName, consumerName] = [argv[1] as ByteString, argv[2] as ByteString, argv[3] as ByteString];
    const [stream, group] = requireGroup(writableStream(ctx, key), key, groupName);
    const minIdleMs = Math.max(
      0,
      requireInteger(argv[4] as ByteString, 'ERR Invalid min-idle-time argument for XCLAIM'),
    );
    const options = parseClaimOptions(ctx, argv);
    if (options.lastId > group.lastId) {
      group.lastId = options.lastId;
      ctx.propagate([
        'XGROUP',
        'SETID',
        key,
        groupName,
        formatStreamId(group.lastId),
        ...(group.entriesRead === null ? [] : ['ENTRIESREAD', group.entriesRead.toString()]),
      ]);
    }
    let deliveryTimeMs = options.deliveryTimeMs ?? ctx.nowMs;
    // A replica takes the primary's explicit TIME as it is.
    if (deliveryTimeMs < 0 || (!ctx.applying && deliveryTimeMs > ctx.nowMs)) deliveryTimeMs = ctx.nowMs;
    let consumer: Consumer | undefined;
    const getConsumer = (): Consumer => {
      consumer ??= group.ensureConsumer(consumerName, ctx.nowMs)[0];
      consumer.seenTimeMs = ctx.nowMs;
      consumer.activeTimeMs = ctx.nowMs;
      return consumer;
    };
    const reply: Reply[] = [];
    const target = { key, groupName, stream, group };
    for (const id of options.ids) {
      const item = claimOne(ctx, target, id, options, minIdleMs, getConsumer, deliveryTimeMs);
      if (item !== undefined) reply.push(item);
    }
    if (consumer !== undefined) propagateConsumerTimes(ctx, key, groupName, consumer);
    return reply;
  },
});
