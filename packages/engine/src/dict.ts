import type { ByteString } from './bytes.js';

/**
 * Up to this many entries a dict finds a key by comparing it with each slot's key and keeps no
 * Map (Redis's listpack encoding plays the same part): a Map costs ~500 bytes even for 10 entries.
 */
const UNINDEXED_ENTRIES_MAX = 16;

/** Smallest index: room for 32 keys at most half full. */
const INDEX_CAPACITY_MIN = 64;

/**
 * Seeds the index's string hash, once per process (V8 seeds its own string hash the same way), so
 * that keys cannot be chosen to collide. It decides only where a key sits in the index: nothing a
 * command returns or the order of any walk.
 */
const HASH_SEED = Math.floor(Math.random() * 0x100000000) | 0;

/** Jenkins' one-at-a-time hash of every char of `key` (V8's string hash), seeded. */
function hashOf(key: ByteString): number {
  let hash = HASH_SEED ^ key.length;
  for (let i = 0; i < key.length; i++) {
    hash = (hash + key.charCodeAt(i)) | 0;
    hash = (hash + (hash << 10)) | 0;
    hash ^= hash >>> 6;
  }
  hash = (hash + (hash << 3)) | 0;
  hash ^= hash >>> 11;
  return (hash + (hash << 15)) | 0;
}

/**
 * Key → slot of a dict past UNINDEXED_ENTRIES_MAX: open addressing with linear probing over one
 * Int32Array of (hash, slot + 1) pairs (0: empty), at most half full; a removal shifts the entries
 * after it back, so there are no tombstones. It replaces a Map<ByteString, number>: the keys a
 * command looks up are new strings, read off a request or a replication frame, and a Map lookup
 * of a new string calls into V8's runtime to hash it, then walks a bucket chain through three
 * objects. Here the hash is computed in JS, and a lookup reads one pair of the array before
 * comparing the one candidate key (a fifth of a replica's apply time went to the Map).
 */
class SlotIndex {
  private table: Int32Array;
  private mask: number;
  private count = 0;

  constructor(keysMin: number) {
    let capacity = INDEX_CAPACITY_MIN;
    while (capacity < keysMin * 2) capacity *= 2;
    this.table = new Int32Array(capacity * 2);
    this.mask = capacity - 1;
  }

  /** The slot of `key` (whose key is `keys[slot]`), or -1. */
  find(key: ByteString, keys: readonly (ByteString | undefined)[]): number {
    const hash = hashOf(key);
    const table = this.table;
    for (let at = hash & this.mask; ; at = (at + 1) & this.mask) {
      const stored = table[2 * at + 1] as number;
      if (stored === 0) return -1;
      if (table[2 * at] === hash && keys[stored - 1] === key) return stored - 1;
    }
  }

  /** Adds `key`, known to be absent, at `slot`. */
  add(key: ByteString, slot: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    this.place(hashOf(key), slot + 1);
    this.count++;
  }

  /** Removes `key`, known to be at `slot`. */
  remove(key: ByteString, slot: number): void {
    const table = this.table;
    const mask = this.mask;
    let at = hashOf(key) & mask;
    while (table[2 * at + 1] !== slot + 1) at = (at + 1) & mask;
    // Backward shift: an entry after the hole moves into it unless its home lies in (hole, entry].
    for (let next = (at + 1) & mask; table[2 * next + 1] !== 0; next = (next + 1) & mask) {
      const home = (table[2 * next] as number) & mask;
      const stays = at <= next ? at < home && home <= next : at < home || home <= next;
      if (stays) continue;
      table[2 * at] = table[2 * next] as number;
      table[2 * at + 1] = table[2 * next + 1] as number;
      at = next;
    }
    table[2 * at] = 0;
    table[2 * at + 1] = 0;
    this.count--;
  }

  private place(hash: number, stored: number): void {
    const table = this.table;
    let at = hash & this.mask;
    while (table[2 * at + 1] !== 0) at = (at + 1) & this.mask;
    table[2 * at] = hash;
    table[2 * at + 1] = stored;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.mask = old.length - 1;
    for (let at = 0; at < old.length; at += 2) {
      const stored = old[at + 1] as number;
      if (stored !== 0) this.place(old[at] as number, stored);
    }
  }
}

/**
 * A hash map whose entries live in numbered slots, so that SCAN can walk it with a cursor (the slot
 * number) and a random entry can be picked in O(1). A slot keeps its entry for the entry's whole
 * life, so an entry present for a whole SCAN is returned by it; freed slots are reused. A small
 * dict has no index: it has at most UNINDEXED_ENTRIES_MAX slots, searched in order.
 */
export class ScanDict<V> {
  /** Key → slot, built when the dict outgrows UNINDEXED_ENTRIES_MAX; kept from then on. */
  private slotOf: SlotIndex | undefined;
  protected keys: (ByteString | undefined)[] = [];
  protected values: (V | undefined)[] = [];
  private free: number[] | undefined;
  private count = 0;
  /**
   * The slot last found or filled: a write looks its key up several times in a row (existence,
   * set, memory re-measure), and comparing one slot's key is much cheaper than a Map lookup.
   */
  private lastSlot = 0;

  get size(): number {
    return this.count;
  }

  get(key: ByteString): V | undefined {
    const slot = this.slotFor(key);
    return slot === undefined ? undefined : this.values[slot];
  }

  has(key: ByteString): boolean {
    return this.slotFor(key) !== undefined;
  }

  /** The slot holding `key`, or undefined when absent. */
  protected slotFor(key: ByteString): number | undefined {
    const keys = this.keys;
    // Keys are unique, so a slot holding `key` is its slot (a free slot holds undefined).
    if (keys[this.lastSlot] === key) return this.lastSlot;
    const slot = this.slotOf !== undefined ? this.slotOf.find(key, keys) : keys.indexOf(key);
    if (slot < 0) return undefined;
    this.lastSlot = slot;
    return slot;
  }

  /** Sets `key` to `value`; returns true when the key is new. */
  set(key: ByteString, value: V): boolean {
    const slot = this.slotFor(key);
    if (slot !== undefined) {
      this.values[slot] = value;
      return false;
    }
    this.insert(key, value);
    return true;
  }

  /** Adds `key`, known to be absent; returns its slot. */
  protected insert(key: ByteString, value: V): number {
    const freeSlot = this.free?.pop();
    const newSlot = freeSlot ?? this.keys.length;
    if (freeSlot === undefined) {
      this.keys.push(key);
      this.values.push(value);
    } else {
      this.keys[freeSlot] = key;
      this.values[freeSlot] = value;
    }
    this.count++;
    if (this.slotOf !== undefined) this.slotOf.add(key, newSlot);
    else if (this.count > UNINDEXED_ENTRIES_MAX) this.buildIndex();
    this.lastSlot = newSlot;
    return newSlot;
  }

  delete(key: ByteString): boolean {
    const slot = this.slotFor(key);
    if (slot === undefined) return false;
    this.slotOf?.remove(key, slot);
    this.count--;
    if (this.count === 0) {
      this.clear();
      return true;
    }
    this.keys[slot] = undefined;
    this.values[slot] = undefined;
    (this.free ??= []).push(slot);
    return true;
  }

  clear(): void {
    if (this.slotOf !== undefined) this.slotOf = new SlotIndex(0);
    this.keys = [];
    this.values = [];
    this.free = undefined;
    this.count = 0;
  }

  /** Builds the key → slot index; from then on the dict keeps it. */
  protected buildIndex(): void {
    const slotOf = new SlotIndex(this.count);
    const keys = this.keys;
    for (let slot = 0; slot < keys.length; slot++) {
      const key = keys[slot];
      if (key !== undefined) slotOf.add(key, slot);
    }
    this.slotOf = slotOf;
  }

  *entries(): IterableIterator<[ByteString, V]> {
    const keys = this.keys;
    const values = this.values;
    for (let slot = 0; slot < keys.length; slot++) {
      const key = keys[slot];
      if (key !== undefined) yield [key, values[slot] as V];
    }
  }

  *keysIterator(): IterableIterator<ByteString> {
    for (const key of this.keys) if (key !== undefined) yield key;
  }

  /**
   * Visits entries from slot `cursor` on: about `count` live entries, and at most `count * 10`
   * slots in all. Returns the cursor to continue from, 0 when the walk is complete.
   */
  scan(cursor: number, count: number, visit: (key: ByteString, value: V) => void): number {
    const keys = this.keys;
    const slotsMax = Math.max(count, 1) * 10;
    let visited = 0;
    let slot = cursor;
    for (let examined = 0; slot < keys.length && visited < count && examined < slotsMax; slot++, examined++) {
      const key = keys[slot];
      if (key !== undefined) {
        visit(key, this.values[slot] as V);
        visited++;
      }
    }
    return slot >= keys.length ? 0 : slot;
  }

  /**
   * Visits up to `count` live entries spread evenly over the slots (each probe looks at most a few
   * slots on), so sampling costs O(count) however sparse the dict has become.
   */
  sample(count: number, visit: (key: ByteString, value: V) => void): void {
    const keys = this.keys;
    if (this.count === 0 || count <= 0) return;
    const stride = Math.max(1, Math.floor(keys.length / count));
    for (let start = 0, visited = 0; start < keys.length && visited < count; start += stride) {
      const end = Math.min(keys.length, start + 8);
      for (let slot = start; slot < end; slot++) {
        const key = keys[slot];
        if (key !== undefined) {
          visit(key, this.values[slot] as V);
          visited++;
          break;
        }
      }
    }
  }

  /** A uniformly random entry's key, or undefined when empty. `random` returns [0, 1). */
  randomKey(random: () => number): ByteString | undefined {
    if (this.count === 0) return undefined;
    const keys = this.keys;
    for (let attempt = 0; attempt < 64; attempt++) {
      const key = keys[Math.floor(random() * keys.length)];
      if (key !== undefined) return key;
    }
    const live = Math.floor(random() * this.count);
    let seen = 0;
    for (const key of keys) {
      if (key !== undefined && seen++ === live) return key;
    }
    return undefined;
  }
}
