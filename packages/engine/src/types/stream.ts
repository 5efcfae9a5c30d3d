/**
 * A Redis stream (filled in by the streams family). `dump`/`load` are the snapshot format.
 */
export class StreamValue {
  readonly type = 'stream';

  dump(): unknown {
    return [];
  }

  static load(_data: unknown): StreamValue {
    return new StreamValue();
  }
}
