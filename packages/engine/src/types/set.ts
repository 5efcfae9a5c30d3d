import type { ByteString } from '../bytes.js';
import { ScanDict } from '../dict.js';

/** A Redis set. Members live in a ScanDict so SSCAN has a stable cursor and SPOP is O(1). */
export class SetValue {
  readonly type = 'set';
  readonly members = new ScanDict<true>();

  get size(): number {
    return this.members.size;
  }

  has(member: ByteString): boolean {
    return this.members.has(member);
  }

  /** Adds `member`; true when it was not there. */
  add(member: ByteString): boolean {
    return this.members.set(member, true);
  }

  /** Removes `member`; true when it was there. */
  remove(member: ByteString): boolean {
    return this.members.delete(member);
  }

  toArray(): ByteString[] {
    return [...this.members.keysIterator()];
  }

  static of(members: Iterable<ByteString>): SetValue {
    const set = new SetValue();
    for (const member of members) set.add(member);
    return set;
  }

  dump(): ByteString[] {
    return this.toArray();
  }

  static load(data: readonly ByteString[]): SetValue {
    return SetValue.of(data);
  }
}
