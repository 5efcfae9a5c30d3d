import type { ByteString } from '../bytes.js';

/** A stream entry ID: 64-bit ms and 64-bit sequence packed as `ms * 2^64 + seq`, so IDs compare as bigints. */
export type StreamId = bigint;

const SEQ_BITS = 64n;
const U64_MAX = (1n << 64n) - 1n;
export const STREAM_ID_MAX: StreamId = (1n << 128n) - 1n;
export const UINT64_MAX = U64_MAX;

export function makeStreamId(ms: bigint, seq: bigint): StreamId {
  return (ms << SEQ_BITS) | seq;
}

export function idMs(id: StreamId): bigint {
  return id >> SEQ_BITS;
}

export function idSeq(id: StreamId): bigint {
  return id & U64_MAX;
}

export function formatStreamId(id: StreamId): string {
  return `${id >> SEQ_BITS}-${id & U64_MAX}`;
}

/** Parses the canonical `ms-seq` form that formatStreamId writes (snapshots only). */
export function parseCanonicalStreamId(text: string): StreamId {
  const dash = text.indexOf('-');
  return makeStreamId(BigInt(text.slice(0, dash)), BigInt(text.slice(dash + 1)));
}

export interface StreamEntry {
  readonly id: StreamId;
  /** field, value, field, value… */
  readonly fields: readonly ByteString[];
}

/** An entry delivered to a consumer and not yet acknowledged. */
export interface PendingEntry {
  consumer: Consumer;
  deliveryTimeMs: number;
  deliveryCount: number;
}

/**
 * A map from stream IDs to values kept in ID order: parallel sorted arrays, binary search, cheap
 * appends at the end. (No hash map: V8 hashes a BigInt by its low 64 bits, the sequence, so IDs
 * with equal sequences would all collide.)
 */
export class IdMap<V> {
  private ids: StreamId[] = [];
  private values: V[] = [];

  get size(): number {
    return this.ids.length;
  }

  get(id: StreamId): V | undefined {
    const index = lowerBound(this.ids, 0, id);
    return this.ids[index] === id ? this.values[index] : undefined;
  }

  has(id: StreamId): boolean {
    return this.get(id) !== undefined;
  }

  set(id: StreamId, value: V): void {
    const last = this.ids[this.ids.length - 1];
    if (last === undefined || last < id) {
      this.ids.push(id);
      this.values.push(value);
      return;
    }
    const index = lowerBound(this.ids, 0, id);
    if (this.ids[index] === id) {
      this.values[index] = value;
    } else {
      this.ids.splice(index, 0, id);
      this.values.splice(index, 0, value);
    }
  }

  delete(id: StreamId): boolean {
    const index = lowerBound(this.ids, 0, id);
    if (this.ids[index] !== id) return false;
    this.ids.splice(index, 1);
    this.values.splice(index, 1);
    return true;
  }

  first(): StreamId | undefined {
    return this.ids[0];
  }

  last(): StreamId | undefined {
    return this.ids[this.ids.length - 1];
  }

  /** IDs in [start, end], at most `count` of them (a copy: callers may change the map while walking). */
  idsBetween(start: StreamId, end: StreamId, count = Infinity): StreamId[] {
    const out: StreamId[] = [];
    for (let i = lowerBound(this.ids, 0, start); i < this.ids.length && out.length < count; i++) {
      const id = this.ids[i] as StreamId;
      if (id > end) break;
      out.push(id);
    }
    return out;
  }

  *entries(): IterableIterator<[StreamId, V]> {
    for (let i = 0; i < this.ids.length; i++) yield [this.ids[i] as StreamId, this.values[i] as V];
  }
}

/** First index at or after `from` whose ID is >= `id`. */
function lowerBound(ids: readonly StreamId[], from: number, id: StreamId): number {
  let low = from;
  let high = ids.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((ids[middle] as StreamId) < id) low = middle + 1;
    else high = middle;
  }
  return low;
}

export class Consumer {
  /** Entries delivered to this consumer and not acknowledged (shared with the group's PEL). */
  readonly pending = new IdMap<PendingEntry>();
  constructor(
    readonly name: ByteString,
    /** Last time the consumer tried to read or claim. */
    public seenTimeMs: number,
    /** Last time the consumer actually got entries (Redis 7.2's active-time). */
    public activeTimeMs: number,
  ) {}
}

export class ConsumerGroup {
  readonly pending = new IdMap<PendingEntry>();
  readonly consumers = new Map<ByteString, Consumer>();
  constructor(
    public lastId: StreamId,
    /** Logical count of entries the group has read; null when unknown (Redis's -1). */
    public entriesRead: bigint | null,
  ) {}

  /** Consumers in name (byte) order, as Redis's radix tree lists them. */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Creates `name` if missing; returns it and whether it was created. */
  ensureConsumer(name: ByteString, nowMs: number): [Consumer, boolean] {
    const existing = this.consumers.get(name);
    if (existing !== undefined) return [existing, false];
    const consumer = new Consumer(name, nowMs, -1);
    this.consumers.set(name, consumer);
    return [consumer, true];
  }

  /** Gives the pending entry `id` to `consumer`, creating it when absent. */
  assign(id: StreamId, consumer: Consumer, deliveryTimeMs: number, deliveryCount: number): PendingEntry {
    let entry = this.pending.get(id);
    if (entry === undefined) {
      entry = { consumer, deliveryTimeMs, deliveryCount };
      this.pending.set(id, entry);
    } else if (entry.consumer !== consumer) {
      entry.consumer.pending.delete(id);
      entry.consumer = consumer;
    }
    entry.deliveryTimeMs = deliveryTimeMs;
    entry.deliveryCount = deliveryCount;
    consumer.pending.set(id, entry);
    return entry;
  }

  /** Acknowledges `id`; false when it was not pending. */
  acknowledge(id: StreamId): boolean {
    const entry = this.pending.get(id);
    if (entry === undefined) return false;
    this.pending.delete(id);
    entry.consumer.pending.delete(id);
    return true;
  }

  deleteConsumer(name: ByteString): number {
    const consumer = this.consumers.get(name);
    if (consumer === undefined) return -1;
    for (const [id] of consumer.pending.entries()) this.pending.delete(id);
    this.consumers.delete(name);
    return consumer.pending.size;
  }
}

type GroupData = [
  name: ByteString,
  lastId: string,
  entriesRead: string | null,
  pending: [id: string, consumer: ByteString, deliveryTimeMs: number, deliveryCount: number][],
  consumers: [name: ByteString, seenTimeMs: number, activeTimeMs: number][],
];
type StreamData = [
  lastId: string,
  maxDeletedId: string,
  entriesAdded: string,
  entries: [id: string, fields: ByteString[]][],
  groups: GroupData[],
];

/**
 * A Redis stream. Entries live in ID order in parallel arrays from `head` on; a deleted entry
 * leaves an empty slot (its ID stays, so binary search still works) until enough slots are dead
 * that compacting pays off. Appends are amortized O(1), lookups and range starts O(log n).
 */
export class StreamValue {
  readonly type = 'stream';
  private ids: StreamId[] = [];
  private values: (readonly ByteString[] | undefined)[] = [];
  private head = 0;
  private deadSlots = 0;
  length = 0;
  lastId: StreamId = 0n;
  maxDeletedId: StreamId = 0n;
  entriesAdded = 0n;
  readonly groups = new Map<ByteString, ConsumerGroup>();

  /** Up to `count` live entries' fields, spread over the stream (memory estimates). */
  sampleFields(count: number): (readonly ByteString[])[] {
    const out: (readonly ByteString[])[] = [];
    const span = this.ids.length - this.head;
    if (span <= 0 || count <= 0) return out;
    const stride = Math.max(1, Math.floor(span / count));
    for (let i = this.head; i < this.ids.length && out.length < count; i += stride) {
      const fields = this.values[i];
      if (fields !== undefined) out.push(fields);
    }
    return out;
  }

  append(id: StreamId, fields: readonly ByteString[]): void {
    this.ids.push(id);
    this.values.push(fields);
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
  }

  get(id: StreamId): readonly ByteString[] | undefined {
    const index = lowerBound(this.ids, this.head, id);
    return this.ids[index] === id ? this.values[index] : undefined;
  }

  has(id: StreamId): boolean {
    return this.get(id) !== undefined;
  }

  /** Deletes one entry (XDEL); true when it existed. Records the tombstone in maxDeletedId. */
  delete(id: StreamId): boolean {
    const index = lowerBound(this.ids, this.head, id);
    if (this.ids[index] !== id || this.values[index] === undefined) return false;
    this.values[index] = undefined;
    this.length--;
    this.deadSlots++;
    if (id > this.maxDeletedId) this.maxDeletedId = id;
    this.skipDeadHead();
    this.compactIfSparse();
    return true;
  }

  /** The first live entry, undefined when empty. */
  first(): StreamEntry | undefined {
    if (this.length === 0) return undefined;
    return { id: this.ids[this.head] as StreamId, fields: this.values[this.head] as readonly ByteString[] };
  }

  last(): StreamEntry | undefined {
    for (let i = this.ids.length - 1; i >= this.head; i--) {
      const fields = this.values[i];
      if (fields !== undefined) return { id: this.ids[i] as StreamId, fields };
    }
    return undefined;
  }

  /** The ID of the first entry, 0-0 when empty (Redis's recorded-first-entry-id). */
  firstId(): StreamId {
    return this.first()?.id ?? 0n;
  }

  /** Entries with start <= ID <= end, at most `count`, oldest first or (reverse) newest first. */
  range(start: StreamId, end: StreamId, count: number, reverse = false): StreamEntry[] {
    const out: StreamEntry[] = [];
    if (start > end || count <= 0) return out;
    if (!reverse) {
      for (let i = lowerBound(this.ids, this.head, start); i < this.ids.length && out.length < count; i++) {
        const id = this.ids[i] as StreamId;
        if (id > end) break;
        const fields = this.values[i];
        if (fields !== undefined) out.push({ id, fields });
      }
      return out;
    }
    const upper = end === STREAM_ID_MAX ? this.ids.length : lowerBound(this.ids, this.head, end + 1n);
    for (let i = upper - 1; i >= this.head && out.length < count; i--) {
      const id = this.ids[i] as StreamId;
      if (id < start) break;
      const fields = this.values[i];
      if (fields !== undefined) out.push({ id, fields });
    }
    return out;
  }

  /**
   * Removes entries from the head while `shouldRemove(id, lengthNow)` holds, at most `limit`
   * (0 = no limit). Returns how many were removed. Trimming leaves no tombstones.
   */
  trimHead(shouldRemove: (id: StreamId, length: number) => boolean, limit: number): number {
    let removed = 0;
    while (this.length > 0 && (limit === 0 || removed < limit)) {
      const id = this.ids[this.head] as StreamId;
      if (!shouldRemove(id, this.length)) break;
      this.values[this.head] = undefined;
      this.head++;
      this.length--;
      removed++;
      this.skipDeadHead();
    }
    if (this.head > 64 && this.head * 2 > this.ids.length) this.compact();
    return removed;
  }

  /** Moves `head` past slots emptied by XDEL (they stop counting as dead slots). */
  private skipDeadHead(): void {
    while (this.head < this.ids.length && this.values[this.head] === undefined) {
      this.deadSlots--;
      this.head++;
    }
  }

  private compactIfSparse(): void {
    if (this.deadSlots > 32 && this.deadSlots * 2 > this.ids.length - this.head) this.compact();
  }

  private compact(): void {
    const ids: StreamId[] = [];
    const values: (readonly ByteString[] | undefined)[] = [];
    for (let i = this.head; i < this.ids.length; i++) {
      const fields = this.values[i];
      if (fields === undefined) continue;
      ids.push(this.ids[i] as StreamId);
      values.push(fields);
    }
    this.ids = ids;
    this.values = values;
    this.head = 0;
    this.deadSlots = 0;
  }

  *entries(): IterableIterator<StreamEntry> {
    for (let i = this.head; i < this.ids.length; i++) {
      const fields = this.values[i];
      if (fields !== undefined) yield { id: this.ids[i] as StreamId, fields };
    }
  }

  /** Groups in name (byte) order, as Redis's radix tree lists them. */
  sortedGroups(): [ByteString, ConsumerGroup][] {
    return [...this.groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** Plain, canonical data for snapshots: equal streams dump equal data. */
  dump(): StreamData {
    const entries: [string, ByteString[]][] = [];
    for (const entry of this.entries()) entries.push([formatStreamId(entry.id), [...entry.fields]]);
    const groups = this.sortedGroups().map(([name, group]): GroupData => {
      const pending: GroupData[3] = [];
      for (const [id, entry] of group.pending.entries()) {
        pending.push([formatStreamId(id), entry.consumer.name, entry.deliveryTimeMs, entry.deliveryCount]);
      }
      const consumers = group
        .sortedConsumers()
        .map((c): GroupData[4][number] => [c.name, c.seenTimeMs, c.activeTimeMs]);
      const entriesRead = group.entriesRead === null ? null : group.entriesRead.toString();
      return [name, formatStreamId(group.lastId), entriesRead, pending, consumers];
    });
    const header = [
      formatStreamId(this.lastId),
      formatStreamId(this.maxDeletedId),
      this.entriesAdded.toString(),
    ] as const;
    return [...header, entries, groups];
  }

  static load(data: unknown): StreamValue {
    const [lastId, maxDeletedId, entriesAdded, entries, groups] = data as StreamData;
    const stream = new StreamValue();
    for (const [id, fields] of entries) stream.append(parseCanonicalStreamId(id), fields);
    stream.lastId = parseCanonicalStreamId(lastId);
    stream.maxDeletedId = parseCanonicalStreamId(maxDeletedId);
    stream.entriesAdded = BigInt(entriesAdded);
    for (const [name, groupLastId, entriesRead, pending, consumers] of groups) {
      const group = new ConsumerGroup(
        parseCanonicalStreamId(groupLastId),
        entriesRead === null ? null : BigInt(entriesRead),
      );
      for (const [consumerName, seenTimeMs, activeTimeMs] of consumers) {
        group.consumers.set(consumerName, new Consumer(consumerName, seenTimeMs, activeTimeMs));
      }
      for (const [id, consumerName, deliveryTimeMs, deliveryCount] of pending) {
        const consumer = group.consumers.get(consumerName) as Consumer;
        group.assign(parseCanonicalStreamId(id), consumer, deliveryTimeMs, deliveryCount);
      }
      stream.groups.set(name, group);
    }
    return stream;
  }
}
