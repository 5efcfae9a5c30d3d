import type { ByteString } from '../bytes.js';
import { ScanDict } from '../dict.js';
import {
  detached,
  EMPTY_PACKED,
  entryEnd,
  fieldAt,
  findPacked,
  fitsPacked,
  pack,
  PACKED_ENTRIES_MAX,
  packedEntryAt,
  packedSize,
  packedWithAdded,
  packedWithAddedPairs,
  packedWithout,
  packedWithValue,
  valueAt,
  visitPacked,
} from './packed-hash.js';

const NO_FIELD_TTLS: ReadonlyMap<ByteString, number> = new Map();

/** Read access to a hash's fields, whichever their encoding; writes go through HashValue. */
export interface HashFields {
  readonly size: number;
  get(field: ByteString): ByteString | undefined;
  has(field: ByteString): boolean;
  /** The entries in the hash's order: insertion order while packed, slot order after. */
  entries(): IterableIterator<[ByteString, ByteString]>;
  /**
   * Visits entries from `cursor` on; returns the cursor to continue from, 0 when done. A packed
   * hash is visited whole in one call whatever the cursor, as Redis scans a listpack.
   */
  scan(cursor: number, count: number, visit: (field: ByteString, value: ByteString) => void): number;
  /** Visits up to `count` entries spread over the hash. */
  sample(count: number, visit: (field: ByteString, value: ByteString) => void): void;
  /** A uniformly random field, or undefined when empty. `random` returns [0, 1). */
  randomKey(random: () => number): ByteString | undefined;
}

/** The field TTLs of a hash that has (or had) some; most hashes never do. */
class FieldTtls {
  /** Absolute expiry time in ms per field that has one. */
  readonly atMs = new Map<ByteString, number>();
  /** No field expires before this time (Infinity when none has a TTL). */
  earliestMs = Infinity;
}

/**
 * A Redis hash. Small hashes are packed into one string (see packed-hash.ts), as Redis keeps
 * them in one listpack; a hash that outgrows the packed limits moves to a ScanDict for good (as
 * Redis never converts a hashtable back). Either way the hash answers reads itself, as `fields`.
 *
 * Field TTLs (HEXPIRE family) are absolute ms times, read through `fieldExpiresAtMs` and changed
 * only through the methods, which keep the earliest expiry a valid lower bound: every access can
 * then skip the expiry scan when nothing can have expired. Change fields through
 * `setField`/`deleteField` too, so a field never outlives or misses its TTL.
 *
 * Two own properties only (~40 bytes): `type` is a prototype getter, the TTL bookkeeping is made
 * by the first field TTL (an empty Map costs ~170 bytes, a double field a boxed number).
 */
export class HashValue implements HashFields {
  private store: ByteString | ScanDict<ByteString> = EMPTY_PACKED;
  private ttls: FieldTtls | undefined;

  get type(): 'hash' {
    return 'hash';
  }

  /** The fields, for reading. */
  get fields(): HashFields {
    return this;
  }

  /** True while the hash is in the packed (listpack-like) encoding. */
  get isPacked(): boolean {
    return typeof this.store === 'string';
  }

  /** Absolute expiry time in ms per field that has one. */
  get fieldExpiresAtMs(): ReadonlyMap<ByteString, number> {
    return this.ttls?.atMs ?? NO_FIELD_TTLS;
  }

  get size(): number {
    const store = this.store;
    return typeof store === 'string' ? packedSize(store) : store.size;
  }

  /** The bytes of all fields and values, when packed (O(1)); undefined in the dict form. */
  get packedBytes(): number | undefined {
    const store = this.store;
    return typeof store === 'string' ? store.length - 1 - 2 * packedSize(store) : undefined;
  }

  get(field: ByteString): ByteString | undefined {
    const store = this.store;
    if (typeof store !== 'string') return store.get(field);
    const at = findPacked(store, field);
    return at < 0 ? undefined : valueAt(store, at);
  }

  has(field: ByteString): boolean {
    const store = this.store;
    return typeof store === 'string' ? findPacked(store, field) >= 0 : store.has(field);
  }

  *entries(): IterableIterator<[ByteString, ByteString]> {
    const store = this.store;
    if (typeof store === 'string') yield* this.entryList();
    else yield* store.entries();
  }

  /** Visits every entry in the hash's order. */
  forEachEntry(visit: (field: ByteString, value: ByteString) => void): void {
    const store = this.store;
    if (typeof store === 'string') visitPacked(store, visit);
    else for (const [field, value] of store.entries()) visit(field, value);
  }

  /** The entries as a fresh array, in the hash's order (cheaper than spreading `entries()`). */
  entryList(): [ByteString, ByteString][] {
    const store = this.store;
    if (typeof store !== 'string') return [...store.entries()];
    const entries: [ByteString, ByteString][] = [];
    visitPacked(store, (field, value) => entries.push([field, value]));
    return entries;
  }

  scan(cursor: number, count: number, visit: (field: ByteString, value: ByteString) => void): number {
    const store = this.store;
    if (typeof store !== 'string') return store.scan(cursor, count, visit);
    visitPacked(store, visit);
    return 0;
  }

  sample(count: number, visit: (field: ByteString, value: ByteString) => void): void {
    const store = this.store;
    if (typeof store !== 'string') {
      store.sample(count, visit);
      return;
    }
    const size = packedSize(store);
    const stride = Math.max(1, Math.floor(size / Math.max(count, 1)));
    let at = 1;
    for (let index = 0, visited = 0; index < size && visited < count; index++) {
      if (index % stride === 0) {
        visit(fieldAt(store, at), valueAt(store, at));
        visited++;
      }
      at = entryEnd(store, at);
    }
  }

  randomKey(random: () => number): ByteString | undefined {
    const store = this.store;
    if (typeof store !== 'string') return store.randomKey(random);
    const size = packedSize(store);
    return size === 0 ? undefined : fieldAt(store, packedEntryAt(store, Math.floor(random() * size)));
  }

  /** Sets a field; drops its TTL unless `keepTtl`. Returns true when the field is new. */
  setField(field: ByteString, value: ByteString, keepTtl = false): boolean {
    if (!keepTtl) this.ttls?.atMs.delete(field);
    const store = this.store;
    if (typeof store !== 'string') return store.set(field, value);
    const at = findPacked(store, field);
    if (fitsPacked(field) && fitsPacked(value)) {
      if (at >= 0) {
        this.store = packedWithValue(store, at, value);
        return false;
      }
      if (packedSize(store) < PACKED_ENTRIES_MAX) {
        this.store = packedWithAdded(store, field, value);
        return true;
      }
    }
    const dict = unpacked(store);
    this.store = dict;
    return dict.set(field, value);
  }

  /**
   * Sets the pairs `pairs[from]`, `pairs[from + 1]`, … in order, dropping their TTLs; returns how
   * many fields are new. New fields of a packed hash are added in one build where they can be.
   */
  setFields(pairs: readonly ByteString[], from: number): number {
    const store = this.store;
    if (typeof store === 'string' && pairs.length - from > 2) {
      const packed = packedWithAddedPairs(store, pairs, from);
      if (packed !== undefined) {
        this.store = packed;
        return (pairs.length - from) / 2;
      }
    }
    let created = 0;
    for (let i = from; i < pairs.length; i += 2) {
      if (this.setField(pairs[i] as ByteString, pairs[i + 1] as ByteString)) created++;
    }
    return created;
  }

  deleteField(field: ByteString): boolean {
    this.ttls?.atMs.delete(field);
    const store = this.store;
    if (typeof store !== 'string') return store.delete(field);
    const at = findPacked(store, field);
    if (at < 0) return false;
    this.store = packedWithout(store, at);
    return true;
  }

  setFieldExpire(field: ByteString, atMs: number): void {
    const ttls = (this.ttls ??= new FieldTtls());
    ttls.atMs.set(field, atMs);
    if (atMs < ttls.earliestMs) ttls.earliestMs = atMs;
  }

  /** Removes a field's TTL; false when it had none. */
  persistField(field: ByteString): boolean {
    return this.ttls?.atMs.delete(field) ?? false;
  }

  /** True when a field may have expired at `nowMs` (cheap; exact after `removeExpired`). */
  mayHaveExpired(nowMs: number): boolean {
    const ttls = this.ttls;
    return ttls !== undefined && ttls.earliestMs <= nowMs && ttls.atMs.size > 0;
  }

  /** True when `field` has a TTL at or before `nowMs`. */
  isFieldExpired(field: ByteString, nowMs: number): boolean {
    const atMs = this.ttls?.atMs.get(field);
    return atMs !== undefined && atMs <= nowMs;
  }

  /** Deletes the fields whose TTL is at or before `nowMs`; returns them. */
  removeExpired(nowMs: number): ByteString[] {
    const expired: ByteString[] = [];
    const ttls = this.ttls;
    if (ttls === undefined || !this.mayHaveExpired(nowMs)) return expired;
    let earliest = Infinity;
    for (const [field, atMs] of ttls.atMs) {
      if (atMs <= nowMs) expired.push(field);
      else if (atMs < earliest) earliest = atMs;
    }
    for (const field of expired) this.deleteField(field);
    ttls.earliestMs = earliest;
    return expired;
  }

  /** Plain data for snapshots: [field, value, expiresAtMs or -1] triples, flattened. */
  dump(): (ByteString | number)[] {
    const out: (ByteString | number)[] = [];
    const atMs = this.ttls?.atMs;
    for (const [field, value] of this.entryList()) out.push(field, value, atMs?.get(field) ?? -1);
    return out;
  }

  static load(data: readonly (ByteString | number)[]): HashValue {
    const hash = new HashValue();
    const entries: [ByteString, ByteString][] = [];
    for (let i = 0; i + 2 < data.length; i += 3) entries.push([data[i] as ByteString, data[i + 1] as ByteString]);
    const packed = pack(entries);
    if (packed !== undefined) hash.store = packed;
    else {
      const dict = new ScanDict<ByteString>();
      for (const [field, value] of entries) dict.set(field, value);
      hash.store = dict;
    }
    for (let i = 0; i + 2 < data.length; i += 3) {
      const expiresAtMs = data[i + 2] as number;
      if (expiresAtMs >= 0) hash.setFieldExpire(data[i] as ByteString, expiresAtMs);
    }
    return hash;
  }
}

/** The dict form of a packed hash, in the same order. */
function unpacked(packed: ByteString): ScanDict<ByteString> {
  const dict = new ScanDict<ByteString>();
  visitPacked(packed, (field, value) => dict.set(detached(field), detached(value)));
  return dict;
}
