import type { ByteString } from '../bytes.js';
import { ScanDict } from '../dict.js';

/**
 * A Redis hash. Field TTLs (HEXPIRE family) are absolute ms times in `fieldExpiresAtMs`; change
 * them through `setFieldExpire`/`persistField`/`deleteField` so `earliestExpiryMs` stays a valid
 * lower bound, which lets every access skip the expiry scan when nothing can have expired.
 */
export class HashValue {
  readonly type = 'hash';
  readonly fields = new ScanDict<ByteString>();
  /** Absolute expiry time in ms per field that has one. */
  readonly fieldExpiresAtMs = new Map<ByteString, number>();
  /** No field expires before this time (Infinity when none has a TTL). */
  private earliestExpiryMs = Infinity;

  get size(): number {
    return this.fields.size;
  }

  /** Sets a field; drops its TTL unless `keepTtl`. Returns true when the field is new. */
  setField(field: ByteString, value: ByteString, keepTtl = false): boolean {
    if (!keepTtl) this.fieldExpiresAtMs.delete(field);
    return this.fields.set(field, value);
  }

  deleteField(field: ByteString): boolean {
    this.fieldExpiresAtMs.delete(field);
    return this.fields.delete(field);
  }

  setFieldExpire(field: ByteString, atMs: number): void {
    this.fieldExpiresAtMs.set(field, atMs);
    if (atMs < this.earliestExpiryMs) this.earliestExpiryMs = atMs;
  }

  /** Removes a field's TTL; false when it had none. */
  persistField(field: ByteString): boolean {
    return this.fieldExpiresAtMs.delete(field);
  }

  /** True when a field may have expired at `nowMs` (cheap; exact after `removeExpired`). */
  mayHaveExpired(nowMs: number): boolean {
    return this.earliestExpiryMs <= nowMs && this.fieldExpiresAtMs.size > 0;
  }

  /** True when `field` has a TTL at or before `nowMs`. */
  isFieldExpired(field: ByteString, nowMs: number): boolean {
    const atMs = this.fieldExpiresAtMs.get(field);
    return atMs !== undefined && atMs <= nowMs;
  }

  /** Deletes the fields whose TTL is at or before `nowMs`; returns them. */
  removeExpired(nowMs: number): ByteString[] {
    const expired: ByteString[] = [];
    if (!this.mayHaveExpired(nowMs)) return expired;
    let earliest = Infinity;
    for (const [field, atMs] of this.fieldExpiresAtMs) {
      if (atMs <= nowMs) expired.push(field);
      else if (atMs < earliest) earliest = atMs;
    }
    for (const field of expired) this.deleteField(field);
    this.earliestExpiryMs = earliest;
    return expired;
  }

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
      if (expiresAtMs >= 0) hash.setFieldExpire(field, expiresAtMs);
    }
    return hash;
  }
}
