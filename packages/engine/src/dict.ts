import type { ByteString } from './bytes.js';

/**
 * A hash map whose entries live in numbered slots, so that SCAN can walk it with a cursor (the slot
 * number) and a random entry can be picked in O(1). A slot keeps its entry for the entry's whole
 * life, so an entry present for a whole SCAN is returned by it; freed slots are reused.
 */
export class ScanDict<V> {
  protected readonly slotOf = new Map<ByteString, number>();
  protected keys: (ByteString | undefined)[] = [];
  protected values: (V | undefined)[] = [];
  private free: number[] = [];

  get size(): number {
    return this.slotOf.size;
  }

  get(key: ByteString): V | undefined {
    const slot = this.slotOf.get(key);
    return slot === undefined ? undefined : this.values[slot];
  }

  has(key: ByteString): boolean {
    return this.slotOf.has(key);
  }

  /** Sets `key` to `value`; returns true when the key is new. */
  set(key: ByteString, value: V): boolean {
    const slot = this.slotOf.get(key);
    if (slot !== undefined) {
      this.values[slot] = value;
      return false;
    }
    const freeSlot = this.free.pop();
    if (freeSlot === undefined) {
      this.slotOf.set(key, this.keys.length);
      this.keys.push(key);
      this.values.push(value);
    } else {
      this.slotOf.set(key, freeSlot);
      this.keys[freeSlot] = key;
      this.values[freeSlot] = value;
    }
    return true;
  }

  delete(key: ByteString): boolean {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return false;
    this.slotOf.delete(key);
    if (this.slotOf.size === 0) {
      this.clear();
      return true;
    }
    this.keys[slot] = undefined;
    this.values[slot] = undefined;
    this.free.push(slot);
    return true;
  }

  clear(): void {
    this.slotOf.clear();
    this.keys = [];
    this.values = [];
    this.free = [];
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
    if (this.slotOf.size === 0 || count <= 0) return;
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
    if (this.slotOf.size === 0) return undefined;
    const keys = this.keys;
    for (let attempt = 0; attempt < 64; attempt++) {
      const key = keys[Math.floor(random() * keys.length)];
      if (key !== undefined) return key;
    }
    const live = Math.floor(random() * this.slotOf.size);
    let seen = 0;
    for (const key of keys) {
      if (key !== undefined && seen++ === live) return key;
    }
    return undefined;
  }
}
