import { assert } from '../assert.js';
import type { ByteString } from '../bytes.js';
import type { ZSetEntry } from './zset-order.js';

/**
 * A small sorted set packed in ONE latin1 string, in ascending order of (score, member bytes): the
 * part Redis's listpack plays. Char 0 is the member count, then each entry is
 *
 *   [score width W] [member length L] [W score bytes] [L member bytes]
 *
 * W 0..6: the score is an integer of W bytes, two's complement, little-endian (W 0 is +0);
 * W 8: the score's 8 IEEE-754 bytes, for every other double (-0, fractions, ±inf, |n| ≥ 2^47).
 * An 8-byte member with a small integer score costs 12 bytes where a string and slots of its own
 * cost ~60. Every write builds a new string, O(size): the packed form is for small sets only.
 */
export type PackedZSet = string;

/** The packed string of an empty set. */
export const PACKED_EMPTY: PackedZSet = '\u0000';

/** The widest score an integer encoding takes; wider integers go as doubles. */
const INTEGER_BYTES_MAX = 6;
const DOUBLE_WIDTH = 8;
const INTEGER_LIMIT = 2 ** (8 * INTEGER_BYTES_MAX - 1);

const scratchDouble = new Float64Array(1);
const scratchBytes = new Uint8Array(scratchDouble.buffer);
const scratchCodes: number[] = [];

export function packedSize(packed: PackedZSet): number {
  return packed.charCodeAt(0);
}

/** The offset just past the entry at `offset`. */
export function entryEnd(packed: PackedZSet, offset: number): number {
  return offset + 2 + packed.charCodeAt(offset) + packed.charCodeAt(offset + 1);
}

function memberStart(packed: PackedZSet, offset: number): number {
  return offset + 2 + packed.charCodeAt(offset);
}

/** The score of the entry at `offset`. */
export function scoreAt(packed: PackedZSet, offset: number): number {
  const width = packed.charCodeAt(offset);
  const start = offset + 2;
  switch (width) {
    case 0:
      return 0;
    case 1:
      return (packed.charCodeAt(start) << 24) >> 24;
    case 2:
      return ((packed.charCodeAt(start) | (packed.charCodeAt(start + 1) << 8)) << 16) >> 16;
    case 3:
      return (int32At(packed, start, 3) << 8) >> 8;
    case 4:
      return int32At(packed, start, 4);
    case DOUBLE_WIDTH:
      return doubleAt(packed, start);
    default:
      return wideIntegerAt(packed, start, width);
  }
}

function doubleAt(packed: PackedZSet, start: number): number {
  const bytes = scratchBytes;
  for (let i = 0; i < DOUBLE_WIDTH; i++) bytes[i] = packed.charCodeAt(start + i);
  return scratchDouble[0] as number;
}

/** The low `width` (≤ 4) bytes at `start` as an int32's bits. */
function int32At(packed: PackedZSet, start: number, width: number): number {
  let bits = 0;
  for (let i = 0; i < width; i++) bits |= packed.charCodeAt(start + i) << (8 * i);
  return bits;
}

/** A 5- or 6-byte integer: its low four bytes unsigned plus its signed high part. */
function wideIntegerAt(packed: PackedZSet, start: number, width: number): number {
  const low = int32At(packed, start, 4) >>> 0;
  const high = width === 5 ? (packed.charCodeAt(start + 4) << 24) >> 24 : (int32At(packed, start + 4, 2) << 16) >> 16;
  return high * 2 ** 32 + low;
}

/** The member of the entry at `offset` (a slice of `packed`: hand it out, do not keep it). */
export function memberAt(packed: PackedZSet, offset: number): ByteString {
  const start = memberStart(packed, offset);
  return packed.slice(start, start + packed.charCodeAt(offset + 1));
}

/**
 * The member of the entry at `offset` as a string of its own: a slice of 13 characters or more
 * would be a V8 SlicedString that keeps the whole packed string alive.
 */
export function ownMemberAt(packed: PackedZSet, offset: number): ByteString {
  const start = memberStart(packed, offset);
  return ownCopy(packed, start, start + packed.charCodeAt(offset + 1));
}

/** Bytes [start, end) of `text` as a string of its own (never a SlicedString of `text`). */
export function ownCopy(text: string, start: number, end: number): string {
  if (end - start < 13) return text.slice(start, end);
  scratchCodes.length = end - start;
  for (let i = start; i < end; i++) scratchCodes[i - start] = text.charCodeAt(i);
  return String.fromCharCode.apply(null, scratchCodes);
}

/** The member of the entry at `offset` compared with `member` by bytes: <0, 0 or >0. */
function compareMemberAt(packed: PackedZSet, offset: number, member: ByteString): number {
  const start = memberStart(packed, offset);
  const length = packed.charCodeAt(offset + 1);
  const common = Math.min(length, member.length);
  for (let i = 0; i < common; i++) {
    const difference = packed.charCodeAt(start + i) - member.charCodeAt(i);
    if (difference !== 0) return difference;
  }
  return length - member.length;
}

/** The offset of `member`'s entry, or -1 when absent. */
export function findMember(packed: PackedZSet, member: ByteString): number {
  if (packed === lastFound.packed && member === lastFound.member) return lastFound.offset;
  const offset = search(packed, member) === -1 ? -1 : searchOffset;
  lastFound.packed = packed;
  lastFound.member = member;
  lastFound.offset = offset;
  return offset;
}

/**
 * The last lookup's answer: commands look a member up and then write it (ZADD, ZINCRBY), and a
 * packed string never changes, so the same string and member give the same offset.
 */
const lastFound = { packed: '', member: '', offset: -1 };

/** The 0-based rank of `member`, or undefined when absent. */
export function packedRank(packed: PackedZSet, member: ByteString): number | undefined {
  const found = search(packed, member);
  return found === -1 ? undefined : found;
}

/** Where the last search found its member (its rank is what `search` returns). */
let searchOffset = -1;

/**
 * The rank of `member`, its offset left in searchOffset; -1 when absent. Entries of another length
 * are hopped over; members of one set often share a prefix, so the last byte is compared first.
 * (A native indexOf measured 2-3x slower here: members sharing bytes make many false candidates.)
 */
function search(packed: PackedZSet, member: ByteString): number {
  const end = packed.length;
  const length = member.length;
  // A native scan for the first byte answers most misses of a member unlike the set's at once.
  if (length > 0 && packed.indexOf(member.charAt(0), 1) === -1) return -1;
  const last = member.charCodeAt(length - 1);
  for (let offset = 1, rank = 0; offset < end; rank++) {
    const start = offset + 2 + packed.charCodeAt(offset);
    const entryLength = packed.charCodeAt(offset + 1);
    if (entryLength === length && (length === 0 || packed.charCodeAt(start + length - 1) === last)) {
      let i = 0;
      while (i < length - 1 && packed.charCodeAt(start + i) === member.charCodeAt(i)) i++;
      if (i >= length - 1) {
        searchOffset = offset;
        return rank;
      }
    }
    offset = start + entryLength;
  }
  return -1;
}

/** The offset of the entry at 0-based `rank` (packed.length past the last). */
export function offsetOfRank(packed: PackedZSet, rank: number): number {
  let offset = 1;
  for (let i = 0; i < rank; i++) offset = entryEnd(packed, offset);
  return offset;
}

/** The entry at `offset` as iteration hands it out. */
export function entryAt(packed: PackedZSet, offset: number): ZSetEntry {
  return { member: memberAt(packed, offset), score: scoreAt(packed, offset) };
}

/** Offsets of all entries, in order. */
export function entryOffsets(packed: PackedZSet): number[] {
  const offsets: number[] = [];
  const end = packed.length;
  for (let offset = 1; offset < end; offset = entryEnd(packed, offset)) offsets.push(offset);
  return offsets;
}

/** The bytes of all members together, counted without cutting them out. */
export function packedMemberBytes(packed: PackedZSet): number {
  const end = packed.length;
  let bytes = 0;
  for (let offset = 1; offset < end; offset = entryEnd(packed, offset)) bytes += packed.charCodeAt(offset + 1);
  return bytes;
}

/** Visits up to `count` entries spread evenly over the set, in one walk. */
export function packedSample(
  packed: PackedZSet,
  count: number,
  visit: (member: ByteString, score: number) => void,
): void {
  const stride = Math.max(1, Math.floor(packedSize(packed) / Math.max(count, 1)));
  const end = packed.length;
  for (
    let offset = 1, rank = 0, visited = 0;
    offset < end && visited < count;
    offset = entryEnd(packed, offset), rank++
  ) {
    if (rank % stride !== 0) continue;
    visit(memberAt(packed, offset), scoreAt(packed, offset));
    visited++;
  }
}

/** How many entries have a score below `limit` (at most `limit` when `orEqual`). */
export function packedCountScoresBelow(packed: PackedZSet, limit: number, orEqual: boolean): number {
  const end = packed.length;
  let count = 0;
  for (let offset = 1; offset < end; offset = entryEnd(packed, offset), count++) {
    const score = scoreAt(packed, offset);
    if (!(score < limit || (orEqual && score === limit))) break;
  }
  return count;
}

/** The bytes of an integer score, or -1 when the score must go as a double. */
function integerWidth(score: number): number {
  if (!Number.isInteger(score) || score < -INTEGER_LIMIT || score >= INTEGER_LIMIT) return -1;
  if (score === 0) return Object.is(score, -0) ? -1 : 0;
  if (score >= -0x80 && score < 0x80) return 1;
  if (score >= -0x8000 && score < 0x8000) return 2;
  if (score >= -0x800000 && score < 0x800000) return 3;
  if (score >= -0x80000000 && score < 0x80000000) return 4;
  return score >= -(2 ** 39) && score < 2 ** 39 ? 5 : 6;
}

/** One entry's text. */
function encodeEntry(member: ByteString, score: number): string {
  let width = integerWidth(score);
  const b = scratchBytes;
  if (width === -1) {
    width = DOUBLE_WIDTH;
    scratchDouble[0] = score;
  } else {
    let unsigned = score < 0 ? score + 2 ** (8 * width) : score;
    for (let i = 0; i < width; i++) {
      const byte = unsigned % 256;
      b[i] = byte;
      unsigned = (unsigned - byte) / 256;
    }
  }
  const head = String.fromCharCode(
    width,
    member.length,
    b[0] as number,
    b[1] as number,
    b[2] as number,
    b[3] as number,
    b[4] as number,
    b[5] as number,
    b[6] as number,
    b[7] as number,
  );
  return (width === DOUBLE_WIDTH ? head : head.slice(0, 2 + width)) + member;
}

/**
 * Makes a freshly concatenated string flat (one run of bytes) by reading from it: V8 flattens a
 * concatenation tree on first access, and the collector then drops the tree's pieces.
 */
function flattened(packed: PackedZSet, count: number): PackedZSet {
  assert(packed.charCodeAt(0) === count, 'zset-packed: the member count does not fit its byte');
  return packed;
}

/** True when the entry at `offset` sorts before (score, member). */
function precedes(packed: PackedZSet, offset: number, score: number, member: ByteString): boolean {
  const entryScore = scoreAt(packed, offset);
  return entryScore < score || (entryScore === score && compareMemberAt(packed, offset, member) < 0);
}

/** Where (score, member) goes: the offset of the first entry not before it, skipping `skip`. */
function insertionOffset(packed: PackedZSet, score: number, member: ByteString, skip: number): number {
  const end = packed.length;
  let offset = 1;
  while (offset < end && (offset === skip || precedes(packed, offset, score, member))) {
    offset = entryEnd(packed, offset);
  }
  return offset;
}

/** `packed` with (member, score) added; the member must be absent. */
export function packedInsert(packed: PackedZSet, member: ByteString, score: number): PackedZSet {
  const count = packed.charCodeAt(0) + 1;
  const at = insertionOffset(packed, score, member, -1);
  const built = String.fromCharCode(count) + packed.slice(1, at) + encodeEntry(member, score) + packed.slice(at);
  return flattened(built, count);
}

/** `packed` with `member`, whose entry is at `offset`, given a new score (so possibly a new place). */
export function packedRescore(packed: PackedZSet, offset: number, member: ByteString, score: number): PackedZSet {
  const end = entryEnd(packed, offset);
  const at = insertionOffset(packed, score, member, offset);
  const entry = encodeEntry(member, score);
  let built: string;
  if (at === offset || at === end) built = packed.slice(0, offset) + entry + packed.slice(end);
  else if (at < offset) built = packed.slice(0, at) + entry + packed.slice(at, offset) + packed.slice(end);
  else built = packed.slice(0, offset) + packed.slice(end, at) + entry + packed.slice(at);
  return flattened(built, packed.charCodeAt(0));
}

/** `packed` without the entries of ranks [start, end), 0 ≤ start ≤ end ≤ size: one build. */
export function packedDeleteRanks(packed: PackedZSet, start: number, end: number): PackedZSet {
  if (start === end) return packed;
  const count = packed.charCodeAt(0) - (end - start);
  if (count === 0) return PACKED_EMPTY;
  const from = offsetOfRank(packed, start);
  let to = from;
  for (let rank = start; rank < end; rank++) to = entryEnd(packed, to);
  return flattened(String.fromCharCode(count) + packed.slice(1, from) + packed.slice(to), count);
}

/** `packed` without the entry at `offset`. */
export function packedDelete(packed: PackedZSet, offset: number): PackedZSet {
  const count = packed.charCodeAt(0) - 1;
  if (count === 0) return PACKED_EMPTY;
  const built = String.fromCharCode(count) + packed.slice(1, offset) + packed.slice(entryEnd(packed, offset));
  return flattened(built, count);
}
