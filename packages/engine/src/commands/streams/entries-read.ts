import type { ConsumerGroup, StreamId, StreamValue } from '../../types/stream.js';

/** Redis's streamRangeHasTombstones(s, start, +inf): an XDEL hole may lie at or after `start`. */
export function hasTombstonesFrom(stream: StreamValue, start: StreamId): boolean {
  if (stream.length === 0 || stream.maxDeletedId === 0n) return false;
  if (stream.firstId() > stream.maxDeletedId) return false;
  return start <= stream.maxDeletedId;
}

/**
 * Redis's streamEstimateDistanceFromFirstEverEntry: the logical read counter of `id`, or null
 * when holes from XDEL make it unknowable.
 */
export function estimateEntriesRead(stream: StreamValue, id: StreamId): bigint | null {
  if (stream.entriesAdded === 0n) return 0n;
  if (stream.length === 0 && id <= stream.lastId) return stream.entriesAdded;
  if (id === stream.lastId) return stream.entriesAdded;
  if (id > stream.lastId) return null;
  const firstId = stream.firstId();
  if (stream.maxDeletedId === 0n || stream.maxDeletedId < firstId) {
    if (id < firstId) return stream.entriesAdded - BigInt(stream.length);
    if (id === firstId) return stream.entriesAdded - BigInt(stream.length) + 1n;
  }
  return null;
}

/** Advances the group's read counter past a newly delivered `id` (as streamReplyWithRange does). */
export function advanceGroup(stream: StreamValue, group: ConsumerGroup, id: StreamId): void {
  if (id <= group.lastId) return;
  if (group.entriesRead !== null && !hasTombstonesFrom(stream, id)) group.entriesRead++;
  else if (stream.entriesAdded !== 0n) group.entriesRead = estimateEntriesRead(stream, id);
  group.lastId = id;
}

/** The group's lag (entries not yet read), or null when it cannot be known (streamReplyWithCGLag). */
export function groupLag(stream: StreamValue, group: ConsumerGroup): bigint | null {
  if (stream.entriesAdded === 0n) return 0n;
  if (group.entriesRead !== null && !hasTombstonesFrom(stream, group.lastId))
    return stream.entriesAdded - group.entriesRead;
  const estimated = estimateEntriesRead(stream, group.lastId);
  return estimated === null ? null : stream.entriesAdded - estimated;
}
