import type { ByteString } from '../bytes.js';
import { ScanDict } from '../dict.js';

/** A Redis hash. Field TTLs (HEXPIRE family) are absolute ms times in `fieldExpiresAtMs`. */
export class HashValue {
  readonly type = 'hash';
  readonly fields = new ScanDict<ByteString>();
  /** Absolute expiry time in ms per field that has one. */
  readonly fieldExpiresAtMs = new Map<ByteString, number>();

  /** Plain data for snapshots: [field, value, expiresAtMs or -1] triples, flattened. */
  dump(): (ByteString | number)[] {
    const out: (ByteString | number)[] = [];
    for (const [field, value] of this.fields.entries()) {
      out.push(field, value, this.fieldExpiresAtMs.get(field) ?? -1);
    }
    return out;
  }

  static load(data: readonly (ByteString | number)[]): HashValue {
    const hash = new HashValue();
    for (let i = 0; i + 2 < data.length; i += 3) {
      const field = data[i] as ByteString;
      hash.fields.set(field, data[i + 1] as ByteString);
      const expiresAtMs = data[i + 2] as number;
      if (expiresAtMs >= 0) hash.fieldExpiresAtMs.set(field, expiresAtMs);
    }
    return hash;
  }
}
