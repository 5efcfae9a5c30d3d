import type { ByteString } from './bytes.js';
import { ScanDict } from './dict.js';
import type { Value } from './value.js';

/** The data of one Redis database: keys to values, and absolute expiry times in ms. */
export class Keyspace {
  readonly data = new ScanDict<Value>();
  readonly expiresAtMs = new Map<ByteString, number>();

  clear(): void {
    this.data.clear();
    this.expiresAtMs.clear();
  }
}

/** Counters INFO reports. */
export class EngineStats {
  commandsProcessed = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  expiredKeys = 0;
  expiredFields = 0;
}
