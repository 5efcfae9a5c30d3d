import { assert } from '../assert.js';
import type { ByteString } from '../bytes.js';

/** One member of a sorted set, as iteration hands it out. */
export interface ZSetEntry {
  readonly member: ByteString;
  readonly score: number;
}

/** A sorted set's members in ascending order of (score, member bytes), with ranks. */
export interface ZSetOrder {
  readonly length: number;
  /** Adds a member that is not there. */
  insert(member: ByteString, score: number): void;
  /** Removes a member that is there with `score`. */
  delete(member: ByteString, score: number): void;
  /** The 0-based rank of (score, member), or undefined when absent. */
  rank(member: ByteString, score: number): number | undefined;
  at(rank: number): ZSetEntry | undefined;
  last(): ZSetEntry | undefined;
  /** Entries from `rank` on, ascending (or descending when `reverse`). */
  entries(rank: number, reverse: boolean): IterableIterator<ZSetEntry>;
  /** How many members have a score below `limit` (at most `limit` when `orEqual`). */
  countScoresBelow(limit: number, orEqual: boolean): number;
}

/**
 * A small sorted set's order: members and their scores in two arrays, sorted. Found by binary
 * search, inserted and deleted by shifting the entries after: cheap while the arrays stay short.
 */
export class SortedArrays implements ZSetOrder {
  private readonly members: ByteString[] = [];
  private readonly scores: number[] = [];

  get length(): number {
    return this.members.length;
  }

  insert(member: ByteString, score: number): void {
    const members = this.members;
    const scores = this.scores;
    const position = this.positionOf(member, score);
    for (let i = members.length; i > position; i--) {
      members[i] = members[i - 1] as ByteString;
      scores[i] = scores[i - 1] as number;
    }
    members[position] = member;
    scores[position] = score;
  }

  delete(member: ByteString, score: number): void {
    const members = this.members;
    const scores = this.scores;
    const position = this.positionOf(member, score);
    assert(members[position] === member, 'SortedArrays.delete: the member is not there with that score');
    for (let i = position; i < members.length - 1; i++) {
      members[i] = members[i + 1] as ByteString;
      scores[i] = scores[i + 1] as number;
    }
    members.pop();
    scores.pop();
  }

  rank(member: ByteString, score: number): number | undefined {
    const position = this.positionOf(member, score);
    return this.members[position] === member ? position : undefined;
  }

  at(rank: number): ZSetEntry | undefined {
    if (rank < 0 || rank >= this.members.length) return undefined;
    return { member: this.members[rank] as ByteString, score: this.scores[rank] as number };
  }

  last(): ZSetEntry | undefined {
    return this.at(this.members.length - 1);
  }

  *entries(rank: number, reverse: boolean): IterableIterator<ZSetEntry> {
    if (rank < 0) return;
    for (let i = rank; i >= 0 && i < this.members.length; i += reverse ? -1 : 1) {
      yield { member: this.members[i] as ByteString, score: this.scores[i] as number };
    }
  }

  countScoresBelow(limit: number, orEqual: boolean): number {
    const scores = this.scores;
    let low = 0;
    let high = scores.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const score = scores[middle] as number;
      if (score < limit || (orEqual && score === limit)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Where (score, member) is or would go: the first entry not before it. */
  private positionOf(member: ByteString, score: number): number {
    const members = this.members;
    const scores = this.scores;
    let low = 0;
    let high = members.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const middleScore = scores[middle] as number;
      if (middleScore < score || (middleScore === score && (members[middle] as ByteString) < member)) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
