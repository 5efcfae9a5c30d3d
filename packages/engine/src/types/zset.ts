import type { ByteString } from '../bytes.js';

/**
 * A Redis sorted set. The zsets family replaces this placeholder ordering with an indexed
 * skiplist (O(log n) insert, rank and range); `dump`/`load` are the snapshot format:
 * [member, score] pairs flattened, in (score, member) order.
 */
export class ZSetValue {
  readonly type = 'zset';
  readonly scores = new Map<ByteString, number>();

  dump(): (ByteString | number)[] {
    const pairs = [...this.scores.entries()].sort((a, b) =>
      a[1] !== b[1] ? a[1] - b[1] : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0,
    );
    return pairs.flat();
  }

  static load(data: readonly (ByteString | number)[]): ZSetValue {
    const zset = new ZSetValue();
    for (let i = 0; i + 1 < data.length; i += 2) zset.scores.set(data[i] as ByteString, data[i + 1] as number);
    return zset;
  }
}
