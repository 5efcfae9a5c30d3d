import type { ByteString } from '../bytes.js';
import { ScanDict } from '../dict.js';

const NO_FIELD_TTLS: ReadonlyMap<ByteString, number> = new Map();

/**
 * A Redis hash. Field TTLs (HEXPIRE family) are absolute ms times, read through
 * `fieldExpiresAtMs` and changed only through the methods, which keep `earliestExpiryMs` a valid
 * lower bound: every access can then skip the expiry scan when nothing can have expired. Change
 * fields through `setField`/`deleteField` too, so a field never outlives or misses its TTL.
 */
export class HashValue {
  readonly type = 'hash';
  readonly fields = new ScanDict<ByteString>();
  /** Made by the first field TTL: most hashes never have one, and an empty Map costs ~170 bytes. */
  private expiresAtMs: Map<ByteString, number> | undefined;
  /** No field expires before this time (Infinity when none has a TTL). */
  private earliestExpiryMs = Infinity;

  /** Absolute expiry time in ms per field that has one. */
  get fieldExpiresAtMs(): ReadonlyMap<ByteString, number> {
    return this.expiresAtMs ?? NO_FIELD_TTLS;
  }

  get size(): number {
    return this.fields.size;
  }

  /** Sets a field; drops its TTL unless `keepTtl`. Returns true when the field is new. */
  setField(field: ByteString, value: ByteString, keepTtl = false): boolean {
    if (!keepTtl) this.expiresAtMs?.delete(field);
    return this.fields.set(field, value);
  }

  deleteField(field: ByteString): boolean {
    this.expiresAtMs?.delete(field);
    return this.fields.delete(field);
  }

  setFieldExpire(field: ByteString, atMs: number): void {
    (this.expiresAtMs ??= new Map()).set(field, atMs);
    if (atMs < this.earliestExpiryMs) this.earliestExpiryMs = atMs;
  }

  /** Removes a field's TTL; false when it had none. */
  persistField(field: ByteString): boolean {
    return this.expiresAtMs?.delete(field) ?? false;
  }

  /** True when a field may have expired at `nowMs` (cheap; exact after `removeExpired`). */
  mayHaveExpired(nowMs: number): boolean {
    return this.earliestExpiryMs <= nowMs && this.expiresAtMs !== undefined && this.expiresAtMs.size > 0;
  }

  /** True when `field` has a TTL at or before `nowMs`. */
  isFieldExpired(field: ByteString, nowMs: number): boolean {
    const atMs = this.expiresAtMs?.get(field);
    return atMs !== undefined && atMs <= nowMs;
  }

  /** Deletes the fields whose TTL is at or before `nowMs`; returns them. */
  removeExpired(nowMs: number): ByteString[] {
    const expired: ByteString[] = [];
    if (this.expiresAtMs === undefined || !this.mayHaveExpired(nowMs)) return expired;
    let earliest = Infinity;
    for (const [field, atMs] of this.expiresAtMs) {
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
      out.push(field, value, this.expiresAtMs?.get(field) ?? -1);
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
