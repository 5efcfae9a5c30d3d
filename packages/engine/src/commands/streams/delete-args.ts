import type { ByteString } from '../../bytes.js';
import { ERR_SYNTAX } from '../../errors.js';
import { parseInteger } from '../../parse.js';
import { CommandError } from '../../reply.js';
import type { StreamId, StreamValue } from '../../types/stream.js';
import { parseStrictStreamId } from './stream-id.js';

/** What deleting an entry does to consumer groups' references (Redis 8.2). */
export type ReferencePolicy = 'keepref' | 'delref' | 'acked';

export interface DeleteArgs {
  policy: ReferencePolicy;
  idTexts: ByteString[];
}

/** `[KEEPREF | DELREF | ACKED] IDS numids id …` from `start` on; the IDS block may sit anywhere. */
export function parseDeleteArgs(argv: readonly ByteString[], start: number): DeleteArgs {
  let policy: ReferencePolicy | undefined;
  let idTexts: ByteString[] | undefined;
  for (let i = start; i < argv.length; i++) {
    const name = (argv[i] as ByteString).toLowerCase();
    if (policy === undefined && (name === 'keepref' || name === 'delref' || name === 'acked')) {
      policy = name;
    } else if (name === 'ids' && i + 1 < argv.length && idTexts === undefined) {
      const count = parseInteger(argv[i + 1] as ByteString);
      if (count === null || count < 1) throw new CommandError('ERR Number of IDs must be a positive integer');
      if (count > argv.length - i - 2)
        throw new CommandError('ERR The `numids` parameter must match the number of arguments');
      idTexts = argv.slice(i + 2, i + 2 + count);
      i += 1 + count;
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  if (idTexts === undefined) throw new CommandError('ERR IDS option is required');
  return { policy: policy ?? 'keepref', idTexts };
}

export function parseIds(texts: readonly ByteString[]): StreamId[] {
  return texts.map((text) => parseStrictStreamId(text));
}

/**
 * True when some group still needs the entry: it is pending there, or the group has not been
 * delivered that far yet. With no groups at all the entry counts as referenced, as redis.io
 * documents for ACKED.
 */
export function isReferenced(stream: StreamValue, id: StreamId): boolean {
  if (stream.groups.size === 0) return true;
  for (const group of stream.groups.values()) {
    if (group.pending.has(id) || group.lastId < id) return true;
  }
  return false;
}

/** Removes the entry from every group's pending list (DELREF). */
export function dropReferences(stream: StreamValue, id: StreamId): boolean {
  let dropped = false;
  for (const group of stream.groups.values()) if (group.acknowledge(id)) dropped = true;
  return dropped;
}
