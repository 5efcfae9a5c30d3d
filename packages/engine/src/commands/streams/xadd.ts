import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { wrongArity } from '../../errors.js';
import { CommandError, type Reply } from '../../reply.js';
import {
  formatStreamId,
  idMs,
  idSeq,
  makeStreamId,
  STREAM_ID_MAX,
  type StreamId,
  StreamValue,
  UINT64_MAX,
} from '../../types/stream.js';
import { writableStream } from './stream-access.js';
import { parseAddOrTrimArgs, type TrimArgs, trimEffect, trimStream } from './trim.js';

const ERR_ID_TOO_SMALL = 'ERR The ID specified in XADD is equal or smaller than the target stream top item';

/** The ID a new entry gets, or the error Redis gives (streamAppendItem). */
function nextEntryId(ctx: ExecContext, stream: StreamValue, args: TrimArgs): StreamId {
  const last = stream.lastId;
  let id: StreamId;
  if (args.id === undefined) {
    const nowMs = BigInt(Math.max(0, Math.floor(ctx.nowMs)));
    // A clock behind the last ID reuses its ms and bumps the sequence, so IDs stay monotonic.
    if (nowMs > idMs(last)) id = makeStreamId(nowMs, 0n);
    else id = last + 1n;
  } else if (args.id.seqGiven) {
    id = args.id.id;
  } else if (idMs(args.id.id) === idMs(last)) {
    if (idSeq(last) === UINT64_MAX) throw new CommandError('ERR Elements are too large to be stored');
    id = last + 1n;
  } else {
    id = args.id.id;
  }
  if (id <= last) throw new CommandError(ERR_ID_TOO_SMALL);
  return id;
}

/**
 * XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value …].
 * Replicated with the explicit ID it got, then the trim resolved to an exact MAXLEN.
 */
export const xadd = defineCommand({
  name: 'xadd',
  arity: -5,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const key = argv[1] as ByteString;
    const args = parseAddOrTrimArgs(ctx, argv, true);
    const fieldCount = argv.length - args.nextIndex;
    if (fieldCount < 2 || fieldCount % 2 === 1) throw new CommandError(wrongArity('xadd'));
    if (args.id !== undefined && args.id.seqGiven && args.id.id === 0n) {
      throw new CommandError('ERR The ID specified in XADD must be greater than 0-0');
    }
    let stream = writableStream(ctx, key);
    const created = stream === undefined;
    if (stream === undefined) {
      if (args.noMkStream) return null;
      stream = new StreamValue();
    }
    if (stream.lastId === STREAM_ID_MAX) {
      throw new CommandError('ERR The stream has exhausted the last possible ID, unable to add more items');
    }
    const id = nextEntryId(ctx, stream, args);
    if (created) ctx.addKey(key, stream);
    stream.append(id, argv.slice(args.nextIndex));
    const formatted = formatStreamId(id);
    ctx.propagate(['XADD', key, formatted, ...argv.slice(args.nextIndex)]);
    if (trimStream(stream, args) > 0) ctx.propagate(trimEffect(key, stream));
    return formatted;
  },
});
