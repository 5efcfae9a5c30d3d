import type { ByteString } from '../bytes.js';

/**
 * A Redis list: a ring-buffer deque, O(1) at both ends and for indexing; an insertion in the
 * middle moves the shorter side. `dump`/`load` are the snapshot format.
 */
export class ListValue {
  readonly type = 'list';
  private items: (ByteString | undefined)[] = new Array<ByteString | undefined>(4);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  at(index: number): ByteString | undefined {
    if (index < 0 || index >= this.count) return undefined;
    return this.items[(this.head + index) & (this.items.length - 1)];
  }

  pushBack(value: ByteString): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = value;
    this.count++;
  }

  pushFront(value: ByteString): void {
    if (this.count === this.items.length) this.grow();
    this.head = (this.head - 1) & (this.items.length - 1);
    this.items[this.head] = value;
    this.count++;
  }

  popFront(): ByteString | undefined {
    if (this.count === 0) return undefined;
    const value = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return value;
  }

  popBack(): ByteString | undefined {
    if (this.count === 0) return undefined;
    const slot = (this.head + this.count - 1) & (this.items.length - 1);
    const value = this.items[slot];
    this.items[slot] = undefined;
    this.count--;
    return value;
  }

  set(index: number, value: ByteString): void {
    this.items[(this.head + index) & (this.items.length - 1)] = value;
  }

  /** Inserts `value` so that it ends up at `index` (0..length), moving the shorter side by one. */
  insertAt(index: number, value: ByteString): void {
    if (index <= this.count - index) {
      this.pushFront(value);
      for (let i = 0; i < index; i++) this.set(i, this.at(i + 1) as ByteString);
    } else {
      this.pushBack(value);
      for (let i = this.count - 1; i > index; i--) this.set(i, this.at(i - 1) as ByteString);
    }
    this.set(index, value);
  }

  /** The elements from `start` up to but not including `end` (both within 0..length). */
  slice(start: number, end: number): ByteString[] {
    const out: ByteString[] = [];
    for (let i = start; i < end; i++) out.push(this.at(i) as ByteString);
    return out;
  }

  /** Drops `front` elements from the head and `back` from the tail. */
  trim(front: number, back: number): void {
    for (let i = 0; i < front; i++) this.popFront();
    for (let i = 0; i < back; i++) this.popBack();
    this.shrinkIfSparse();
  }

  /** Gives memory back after many pops: a quarter-full buffer is halved, down to a small floor. */
  shrinkIfSparse(): void {
    if (this.items.length > 64 && this.count * 4 < this.items.length) this.replaceAll(this.toArray());
  }

  toArray(): ByteString[] {
    const out: ByteString[] = new Array<ByteString>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.at(i) as ByteString;
    return out;
  }

  /** Replaces the whole content (used by O(n) operations such as LINSERT, LREM, LTRIM). */
  replaceAll(values: readonly ByteString[]): void {
    let capacity = 4;
    while (capacity < values.length) capacity *= 2;
    this.items = new Array<ByteString | undefined>(capacity);
    for (let i = 0; i < values.length; i++) this.items[i] = values[i];
    this.head = 0;
    this.count = values.length;
  }

  private grow(): void {
    const values = this.toArray();
    const capacity = this.items.length * 2;
    this.items = new Array<ByteString | undefined>(capacity);
    for (let i = 0; i < values.length; i++) this.items[i] = values[i];
    this.head = 0;
  }

  dump(): ByteString[] {
    return this.toArray();
  }

  static load(data: readonly ByteString[]): ListValue {
    const list = new ListValue();
    list.replaceAll(data);
    return list;
  }
}
