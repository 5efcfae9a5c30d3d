import type { ByteString } from '../bytes.js';
import { ScanDict } from '../dict.js';
import { SortedArrays, type ZSetEntry, type ZSetOrder } from './zset-order.js';
import {
  PACKED_EMPTY,
  type PackedZSet,
  entryAt,
  entryEnd,
  entryOffsets,
  findMember,
  memberAt,
  offsetOfRank,
  ownCopy,
  ownMemberAt,
  packedCountScoresBelow,
  packedDelete,
  packedDeleteRanks,
  packedInsert,
  packedMemberBytes,
  packedRank,
  packedRescore,
  packedSample,
  packedSize,
  scoreAt,
} from './zset-packed.js';

export type { ZSetEntry } from './zset-order.js';

/** Levels above 16 would only pay off past 4^16 members. */
const LEVEL_MAX = 16;

class SkipNode implements ZSetEntry {
  readonly next: (SkipNode | null)[];
  /** How many level-0 steps `next[i]` skips: what makes rank O(log n). */
  readonly span: number[];
  backward: SkipNode | null = null;

  constructor(
    readonly member: ByteString,
    readonly score: number,
    level: number,
  ) {
    this.next = new Array<SkipNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }
}

/** True when `node` sorts before (score, member): by score, then by member bytes. */
function precedes(node: SkipNode, score: number, member: ByteString): boolean {
  return node.score < score || (node.score === score && node.member < member);
}

/**
 * Node levels only shape the skiplist, never what a command answers, so a private xorshift is
 * enough (and keeps the engine free of Math.random). Each level is kept with probability 1/4.
 */
let levelState = 0x2545f491;
function randomLevel(): number {
  levelState ^= levelState << 13;
  levelState ^= levelState >>> 17;
  levelState ^= levelState << 5;
  let bits = levelState >>> 0;
  let level = 1;
  while ((bits & 3) === 0 && level < LEVEL_MAX) {
    level++;
    bits >>>= 2;
  }
  return level;
}

/** Scratch space for one descent: the last node visited on each level and its rank. */
const updateScratch = new Array<SkipNode>(LEVEL_MAX);
const rankScratch = new Array<number>(LEVEL_MAX).fill(0);

/**
 * An indexed skiplist ordered by (score, member bytes) whose spans give O(log n) insert, delete,
 * rank and access by rank: the order of a sorted set past SORTED_ARRAY_MEMBERS_MAX members.
 */
class SkipList implements ZSetOrder {
  private readonly head = new SkipNode('', -Infinity, LEVEL_MAX);
  private tail: SkipNode | null = null;
  private level = 1;
  length = 0;

  /** The 0-based rank of (score, member), or undefined when absent. */
  rank(member: ByteString, score: number): number | undefined {
    let node = this.head;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = node.next[i] as SkipNode | null;
      while (next !== null && (precedes(next, score, member) || next.member === member)) {
        traversed += node.span[i] as number;
        node = next;
        next = node.next[i] as SkipNode | null;
      }
      if (node.member === member && node !== this.head) return traversed - 1;
    }
    return undefined;
  }

  at(rank: number): ZSetEntry | undefined {
    return this.nodeAt(rank) ?? undefined;
  }

  last(): ZSetEntry | undefined {
    return this.tail ?? undefined;
  }

  *entries(rank: number, reverse: boolean): IterableIterator<ZSetEntry> {
    let node = this.nodeAt(rank);
    while (node !== null) {
      yield node;
      node = reverse ? node.backward : (node.next[0] as SkipNode | null);
    }
  }

  countScoresBelow(limit: number, orEqual: boolean): number {
    let node = this.head;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = node.next[i] as SkipNode | null;
      while (next !== null && (next.score < limit || (orEqual && next.score === limit))) {
        traversed += node.span[i] as number;
        node = next;
        next = node.next[i] as SkipNode | null;
      }
    }
    return traversed;
  }

  private nodeAt(rank: number): SkipNode | null {
    if (rank < 0 || rank >= this.length) return null;
    if (rank === this.length - 1) return this.tail;
    let node = this.head;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = node.next[i] as SkipNode | null;
      while (next !== null && traversed + (node.span[i] as number) <= rank + 1) {
        traversed += node.span[i] as number;
        node = next;
        next = node.next[i] as SkipNode | null;
      }
      if (traversed === rank + 1) return node;
    }
    return null;
  }

  insert(member: ByteString, score: number): void {
    const update = updateScratch;
    const rank = rankScratch;
    let node = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : (rank[i + 1] as number);
      let next = node.next[i] as SkipNode | null;
      while (next !== null && precedes(next, score, member)) {
        rank[i] = (rank[i] as number) + (node.span[i] as number);
        node = next;
        next = node.next[i] as SkipNode | null;
      }
      update[i] = node;
    }
    const level = randomLevel();
    for (let i = this.level; i < level; i++) {
      rank[i] = 0;
      update[i] = this.head;
      this.head.span[i] = this.length;
    }
    this.level = Math.max(this.level, level);
    const inserted = new SkipNode(member, score, level);
    const rank0 = rank[0] as number;
    for (let i = 0; i < level; i++) {
      const before = update[i] as SkipNode;
      const skipped = rank0 - (rank[i] as number);
      inserted.next[i] = before.next[i] as SkipNode | null;
      before.next[i] = inserted;
      inserted.span[i] = (before.span[i] as number) - skipped;
      before.span[i] = skipped + 1;
    }
    for (let i = level; i < this.level; i++) {
      const above = update[i] as SkipNode;
      above.span[i] = (above.span[i] as number) + 1;
    }
    const previous = update[0] as SkipNode;
    inserted.backward = previous === this.head ? null : previous;
    const following = inserted.next[0] as SkipNode | null;
    if (following === null) this.tail = inserted;
    else following.backward = inserted;
    this.length++;
  }

  delete(member: ByteString, score: number): void {
    const update = updateScratch;
    let node = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = node.next[i] as SkipNode | null;
      while (next !== null && precedes(next, score, member)) {
        node = next;
        next = node.next[i] as SkipNode | null;
      }
      update[i] = node;
    }
    const removed = node.next[0] as SkipNode;
    for (let i = 0; i < this.level; i++) {
      const before = update[i] as SkipNode;
      if (before.next[i] === removed) {
        before.span[i] = (before.span[i] as number) + (removed.span[i] as number) - 1;
        before.next[i] = removed.next[i] as SkipNode | null;
      } else {
        before.span[i] = (before.span[i] as number) - 1;
      }
    }
    const following = removed.next[0] as SkipNode | null;
    if (following === null) this.tail = removed.backward;
    else following.backward = removed.backward;
    while (this.level > 1 && this.head.next[this.level - 1] === null) this.level--;
    this.length--;
  }
}

/** Up to this many members a sorted set keeps its order in two arrays: a skiplist costs ~190 bytes a member. */
const SORTED_ARRAY_MEMBERS_MAX = 16;

/**
 * Up to this many members, each of at most PACKED_MEMBER_BYTES_MAX bytes, a sorted set is one
 * packed string (zset-packed.ts): Redis's own listpack limits (zset-max-listpack-entries and
 * -value), so a set is packed exactly when OBJECT ENCODING says listpack for a set that only grew.
 * At 128 members of 8 bytes, ZADD/ZINCRBY/ZSCORE/ZRANK/ZRANGE measured as fast as (or faster
 * than) the skiplist and dictionary; past it every write's O(size) rebuild would start to cost.
 */
export const PACKED_MEMBERS_MAX = 128;
export const PACKED_MEMBER_BYTES_MAX = 64;

/**
 * A sorted set past the packed limits: a member → score dictionary (a ScanDict, so ZSCAN has a
 * stable cursor) and the members in order of (score, member bytes) — sorted arrays while small,
 * an indexed skiplist from SORTED_ARRAY_MEMBERS_MAX members on.
 */
class ZSetDict {
  readonly scores = new ScanDict<number>();
  order: ZSetOrder = new SortedArrays();

  set(member: ByteString, score: number): boolean {
    const current = this.scores.get(member);
    if (current === undefined) {
      if (this.order.length === SORTED_ARRAY_MEMBERS_MAX) this.order = toSkipList(this.order);
      this.scores.set(member, score);
      this.order.insert(member, score);
      return true;
    }
    if (current !== score) {
      this.order.delete(member, current);
      this.scores.set(member, score);
      this.order.insert(member, score);
    }
    return false;
  }

  remove(member: ByteString): boolean {
    const score = this.scores.get(member);
    if (score === undefined) return false;
    this.scores.delete(member);
    this.order.delete(member, score);
    return true;
  }

  static fromPacked(packed: PackedZSet): ZSetDict {
    const dict = new ZSetDict();
    for (const offset of entryOffsets(packed)) dict.set(ownMemberAt(packed, offset), scoreAt(packed, offset));
    return dict;
  }
}

/**
 * A Redis sorted set. Small sets are one packed string (Redis's listpack plays this part); a set
 * that outgrows PACKED_MEMBERS_MAX or gets a member longer than PACKED_MEMBER_BYTES_MAX becomes a
 * ZSetDict for good (Redis, too, never converts back). The one field keeps a small set's cost to
 * the object and the string. `dump`/`load` are the snapshot format: [member, score] pairs
 * flattened, in order.
 */
export class ZSetValue {
  private body: PackedZSet | ZSetDict = PACKED_EMPTY;

  get type(): 'zset' {
    return 'zset';
  }

  /** True while the set is one packed string (it never goes back once past the limits). */
  get isPacked(): boolean {
    return typeof this.body === 'string';
  }

  /** The bytes of all members together while packed (O(size), no allocation); undefined past that. */
  get packedMemberBytes(): number | undefined {
    const body = this.body;
    return typeof body === 'string' ? packedMemberBytes(body) : undefined;
  }

  get size(): number {
    const body = this.body;
    return typeof body === 'string' ? packedSize(body) : body.scores.size;
  }

  score(member: ByteString): number | undefined {
    const body = this.body;
    if (typeof body !== 'string') return body.scores.get(member);
    const offset = findMember(body, member);
    return offset === -1 ? undefined : scoreAt(body, offset);
  }

  has(member: ByteString): boolean {
    const body = this.body;
    return typeof body === 'string' ? findMember(body, member) !== -1 : body.scores.has(member);
  }

  /** Sets `member`'s score, adding it if absent; true when it is new. */
  set(member: ByteString, score: number): boolean {
    const body = this.body;
    if (typeof body !== 'string') return body.set(member, score);
    const offset = findMember(body, member);
    if (offset !== -1) {
      if (scoreAt(body, offset) !== score) this.body = packedRescore(body, offset, member, score);
      return false;
    }
    if (packedSize(body) < PACKED_MEMBERS_MAX && member.length <= PACKED_MEMBER_BYTES_MAX) {
      this.body = packedInsert(body, member, score);
      return true;
    }
    const dict = ZSetDict.fromPacked(body);
    this.body = dict;
    return dict.set(member, score);
  }

  /**
   * `set` for a member read from another sorted set (the STORE commands): one kept by the
   * dictionary form is copied first, since a long member read from a packed set is a slice that
   * would keep that set's whole string alive.
   */
  setCopied(member: ByteString, score: number): boolean {
    return this.set(typeof this.body === 'string' ? member : ownCopy(member, 0, member.length), score);
  }

  /** Removes `member`; true when it was there. */
  remove(member: ByteString): boolean {
    const body = this.body;
    if (typeof body !== 'string') return body.remove(member);
    const offset = findMember(body, member);
    if (offset === -1) return false;
    this.body = packedDelete(body, offset);
    return true;
  }

  /** Removes the members of ranks [start, end) (clamped to the set); how many it removed. */
  removeRanks(start: number, end: number): number {
    const from = Math.max(0, start);
    const to = Math.min(this.size, end);
    if (from >= to) return 0;
    const body = this.body;
    if (typeof body === 'string') {
      this.body = packedDeleteRanks(body, from, to);
      return to - from;
    }
    const doomed: ByteString[] = [];
    for (const { member } of body.order.entries(from, false)) {
      if (doomed.length === to - from) break;
      doomed.push(member);
    }
    for (const member of doomed) body.remove(member);
    return doomed.length;
  }

  /** The 0-based rank of `member` in ascending order, or undefined when absent. */
  rank(member: ByteString): number | undefined {
    const body = this.body;
    if (typeof body === 'string') return packedRank(body, member);
    const score = body.scores.get(member);
    return score === undefined ? undefined : body.order.rank(member, score);
  }

  /** The entry at 0-based `rank`, or undefined when out of range. */
  at(rank: number): ZSetEntry | undefined {
    const body = this.body;
    if (typeof body !== 'string') return body.order.at(rank);
    if (rank < 0 || rank >= packedSize(body)) return undefined;
    return entryAt(body, offsetOfRank(body, rank));
  }

  /** The highest-ranked entry (O(1) past the packed form). */
  last(): ZSetEntry | undefined {
    const body = this.body;
    return typeof body === 'string' ? this.at(packedSize(body) - 1) : body.order.last();
  }

  /** Entries from `rank` on, ascending (or descending when `reverse`). Do not modify while iterating. */
  entries(rank = 0, reverse = false): IterableIterator<ZSetEntry> {
    const body = this.body;
    return typeof body === 'string' ? packedEntries(body, rank, reverse) : body.order.entries(rank, reverse);
  }

  /** The members, in no particular order. */
  members(): IterableIterator<ByteString> {
    const body = this.body;
    return typeof body === 'string' ? packedMembers(body) : body.scores.keysIterator();
  }

  /** How many members have a score below `limit` (at most `limit` when `orEqual`): a rank bound. */
  countScoresBelow(limit: number, orEqual: boolean): number {
    const body = this.body;
    return typeof body === 'string'
      ? packedCountScoresBelow(body, limit, orEqual)
      : body.order.countScoresBelow(limit, orEqual);
  }

  /**
   * ZSCAN's walk (ScanDict.scan): from `cursor`, about `count` members; the next cursor, 0 at the
   * end. The packed form is visited whole, in order, as Redis returns a listpack.
   */
  scan(cursor: number, count: number, visit: (member: ByteString, score: number) => void): number {
    const body = this.body;
    if (typeof body !== 'string') return body.scores.scan(cursor, count, visit);
    for (const { member, score } of packedEntries(body, 0, false)) visit(member, score);
    return 0;
  }

  /** Visits up to `count` members spread over the set (ScanDict.sample). */
  sample(count: number, visit: (member: ByteString, score: number) => void): void {
    const body = this.body;
    if (typeof body !== 'string') {
      body.scores.sample(count, visit);
      return;
    }
    packedSample(body, count, visit);
  }

  clone(): ZSetValue {
    const copy = new ZSetValue();
    const body = this.body;
    if (typeof body === 'string') copy.body = body;
    else for (const { member, score } of this.entries()) copy.set(member, score);
    return copy;
  }

  dump(): (ByteString | number)[] {
    const flat: (ByteString | number)[] = [];
    for (const { member, score } of this.entries()) flat.push(member, score);
    return flat;
  }

  static load(data: readonly (ByteString | number)[]): ZSetValue {
    const zset = new ZSetValue();
    for (let i = 0; i + 1 < data.length; i += 2) zset.set(data[i] as ByteString, data[i + 1] as number);
    return zset;
  }
}

function* packedEntries(packed: PackedZSet, rank: number, reverse: boolean): IterableIterator<ZSetEntry> {
  if (rank < 0) return;
  if (!reverse) {
    const end = packed.length;
    for (let offset = offsetOfRank(packed, rank); offset < end; offset = entryEnd(packed, offset)) {
      yield entryAt(packed, offset);
    }
    return;
  }
  const offsets = entryOffsets(packed);
  for (let i = rank; i >= 0 && i < offsets.length; i--) yield entryAt(packed, offsets[i] as number);
}

function* packedMembers(packed: PackedZSet): IterableIterator<ByteString> {
  for (const offset of entryOffsets(packed)) yield memberAt(packed, offset);
}

function toSkipList(order: ZSetOrder): SkipList {
  const list = new SkipList();
  for (const { member, score } of order.entries(0, false)) list.insert(member, score);
  return list;
}
