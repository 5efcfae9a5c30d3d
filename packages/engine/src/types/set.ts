import type { ByteString } from '../bytes.js';
import { ScanDict } from '../dict.js';

/** A Redis set. Members live in a ScanDict so SSCAN has a stable cursor and SPOP is O(1). */
export class SetValue {
  readonly type = 'set';
  readonly members = new ScanDict<true>();

  dump(): ByteString[] {
    return [...this.members.keysIterator()];
  }

  static load(data: readonly ByteString[]): SetValue {
    const set = new SetValue();
    for (const member of data) set.members.set(member, true);
    return set;
  }
}
