import { StoreError } from './errors.js';
import type { AppendResult, EffectCommand, LogEntry, ReadResult, ReplicaWriteLog } from './write-log.js';

const resolved = Promise.resolve();

/** Approximate encoded size of an entry, for read limits. */
export function entryBytes(entry: LogEntry): number {
  let bytes = 16;
  for (const command of entry.effects) for (const arg of command) bytes += arg.length + 2;
  return bytes;
}

export interface MemoryWriteLogOptions {
  /** Keep at most this many entries, dropping the oldest as new ones are appended. Default: all. */
  readonly entriesRetainedMax?: number;
}

/** The write log in memory: for the simulator and unit tests. Same contract as the SQLite log. */
export class MemoryWriteLog implements ReplicaWriteLog {
  /** Kept entries are `entries[head…]`; dropping moves `head`, and the array is compacted lazily. */
  private entries: (LogEntry | undefined)[] = [];
  private head = 0;
  private first = 1;
  private last = 0;
  private readonly entriesRetainedMax: number;

  constructor(options: MemoryWriteLogOptions = {}) {
    this.entriesRetainedMax = options.entriesRetainedMax ?? Infinity;
  }

  private get kept(): number {
    return this.entries.length - this.head;
  }

  lastOffset(): number {
    return this.last;
  }

  firstOffset(): number {
    return this.kept === 0 ? this.last + 1 : this.first;
  }

  append(timeMs: number, effects: readonly EffectCommand[]): AppendResult {
    const offset = this.last + 1;
    if (this.kept === 0) this.first = offset;
    this.entries.push({ offset, timeMs, effects });
    this.last = offset;
    if (this.kept > this.entriesRetainedMax) this.truncateBefore(offset - this.entriesRetainedMax + 1);
    return { offset, durable: resolved };
  }

  appendAt(offset: number, timeMs: number, effects: readonly EffectCommand[]): AppendResult {
    if (offset !== this.last + 1) {
      throw new StoreError(
        'MERIDIAN_STORE_OFFSET_MISMATCH',
        `appendAt(${offset}) but the next offset is ${this.last + 1}`,
      );
    }
    return this.append(timeMs, effects);
  }

  resetTo(lastOffset: number): void {
    this.entries = [];
    this.head = 0;
    this.last = lastOffset;
    this.first = lastOffset + 1;
  }

  /** The entry at `offset` while the log keeps it (undefined before the first kept or past the last). */
  entryAt(offset: number): LogEntry | undefined {
    if (offset < this.first || offset > this.last) return undefined;
    return this.entries[this.head + offset - this.first];
  }

  read(fromOffset: number, limits: { entriesMax: number; bytesMax: number }): ReadResult {
    const first = this.firstOffset();
    if (fromOffset < first) return { kind: 'truncated', firstOffset: first };
    // The entries are counted first and copied into an array of their size: the primary reads at
    // every pump turn, and an array grown by pushes reserves room for many more.
    const start = this.head + fromOffset - this.first;
    const stop = Math.min(this.entries.length, start + limits.entriesMax);
    let end = start;
    let bytes = 0;
    while (end < stop) {
      bytes += entryBytes(this.entries[end] as LogEntry);
      if (end > start && bytes > limits.bytesMax) break;
      end++;
    }
    return { kind: 'entries', entries: this.entries.slice(start, end) as LogEntry[] };
  }

  truncateBefore(beforeOffset: number): void {
    const drop = Math.min(Math.max(beforeOffset - this.first, 0), this.kept);
    if (drop === 0) return;
    for (let i = this.head; i < this.head + drop; i++) this.entries[i] = undefined;
    this.head += drop;
    this.first += drop;
    if (this.kept === 0) {
      this.entries = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  close(): Promise<void> {
    return resolved;
  }
}
