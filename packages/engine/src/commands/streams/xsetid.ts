import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { ERR_NO_SUCH_KEY, ERR_SYNTAX } from '../../errors.js';
import { parseBigInt64 } from '../../parse.js';
import { CommandError, OK, type Reply } from '../../reply.js';
import type { StreamId } from '../../types/stream.js';
import { writableStream } from './stream-access.js';
import { parseStrictStreamId } from './stream-id.js';

interface SetIdOptions {
  entriesAdded: bigint | undefined;
  maxDeletedId: StreamId;
}

function parseOptions(argv: readonly ByteString[], id: StreamId): SetIdOptions {
  const options: SetIdOptions = { entriesAdded: undefined, maxDeletedId: 0n };
  for (let i = 3; i < argv.length; i += 2) {
    const name = (argv[i] as ByteString).toLowerCase();
    const value = argv[i + 1];
    if (name === 'entriesadded' && value !== undefined) {
      const entriesAdded = parseBigInt64(value);
      if (entriesAdded === null) throw new CommandError('ERR value is not an integer or out of range');
      if (entriesAdded < 0n) throw new CommandError('ERR entries_added must be positive');
      options.entriesAdded = entriesAdded;
    } else if (name === 'maxdeletedid' && value !== undefined) {
      options.maxDeletedId = parseStrictStreamId(value);
      if (id < options.maxDeletedId) {
        throw new CommandError('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      }
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  return options;
}

/** XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]: deterministic, replicated as is. */
export const xsetid = defineCommand({
  name: 'xsetid',
  arity: -3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const id = parseStrictStreamId(argv[2] as ByteString);
    const options = parseOptions(argv, id);
    const stream = writableStream(ctx, argv[1] as ByteString);
    if (stream === undefined) throw new CommandError(ERR_NO_SUCH_KEY);
    const last = stream.last();
    if (last !== undefined) {
      if (id < last.id)
        throw new CommandError('ERR The ID specified in XSETID is smaller than the target stream top item');
      if (options.entriesAdded !== undefined && BigInt(stream.length) > options.entriesAdded) {
        throw new CommandError('ERR The entries_added specified in XSETID is smaller than the target stream length');
      }
    }
    stream.lastId = id;
    if (options.entriesAdded !== undefined) stream.entriesAdded = options.entriesAdded;
    if (options.maxDeletedId !== 0n) stream.maxDeletedId = options.maxDeletedId;
    ctx.propagateAsIs();
    return OK;
  },
});
