import type { ByteString } from './bytes.js';
import { ScanDict } from './dict.js';
import { estimateKeyBytes } from './memory-estimate.js';
import { ScriptStore } from './scripting.js';
import type { Value } from './value.js';

/**
 * The keys of a database. Besides the ScanDict, each slot keeps the key's estimated bytes (their
 * sum is `usedBytes`, updated on every set, delete and re-measure: never a walk) and when it was
 * last accessed (a logical tick, for LRU eviction).
 */
export class KeyDict extends ScanDict<Value> {
  private weights: number[] = [];
  private ticks: number[] = [];
  private tick = 0;
  /** Sum of every key's estimate, in bytes. */
  usedBytes = 0;
  /**
   * Keys set, deleted or re-measured since the incremental digest last looked (undefined until one
   * tracks this keyspace); `cleared` when everything went at once.
   */
  changes: Set<ByteString> | undefined;
  cleared = false;

  constructor() {
    super();
    this.buildIndex();
  }

  override get(key: ByteString): Value | undefined {
    const slot = this.slotFor(key);
    if (slot === undefined) return undefined;
    this.ticks[slot] = ++this.tick;
    return this.values[slot];
  }

  /** The value without counting an access (memory checks, eviction). */
  peek(key: ByteString): Value | undefined {
    return super.get(key);
  }

  override set(key: ByteString, value: Value): boolean {
    this.changes?.add(key);
    const found = this.slotFor(key);
    const added = found === undefined;
    const slot = added ? this.insert(key, value) : found;
    if (!added) this.values[slot] = value;
    this.weigh(slot, key, value, added);
    this.ticks[slot] = ++this.tick;
    return added;
  }

  override delete(key: ByteString): boolean {
    const slot = this.slotFor(key);
    if (slot === undefined) return false;
    this.changes?.add(key);
    this.usedBytes -= this.weights[slot] ?? 0;
    this.weights[slot] = 0;
    super.delete(key);
    if (this.size === 0) this.resetMemory();
    return true;
  }

  override clear(): void {
    super.clear();
    this.resetMemory();
    if (this.changes !== undefined) {
      this.changes.clear();
      this.cleared = true;
    }
  }

  /** Measures `key` again after a write changed its value in place. */
  remeasure(key: ByteString): void {
    this.changes?.add(key);
    const slot = this.slotFor(key);
    if (slot === undefined) return;
    const value = this.values[slot] as Value;
    // A string never changes in place: `set` measured it when it was stored.
    if (typeof value !== 'string') this.weigh(slot, key, value, false);
  }

  /** The key's current estimate in bytes (0 when absent). */
  bytesOf(key: ByteString): number {
    const slot = this.slotFor(key);
    return slot === undefined ? 0 : (this.weights[slot] ?? 0);
  }

  /** The access tick of `key` (higher = more recent); undefined when absent. */
  accessTickOf(key: ByteString): number | undefined {
    const slot = this.slotFor(key);
    return slot === undefined ? undefined : this.ticks[slot];
  }

  private weigh(slot: number, key: ByteString, value: Value, added: boolean): void {
    const bytes = estimateKeyBytes(key, value);
    this.usedBytes += bytes - (added ? 0 : (this.weights[slot] ?? 0));
    this.weights[slot] = bytes;
  }

  private resetMemory(): void {
    this.weights = [];
    this.ticks = [];
    this.usedBytes = 0;
  }
}

/** The data of one Redis database: keys to values, and absolute expiry times in ms. */
export class Keyspace {
  readonly data = new KeyDict();
  readonly expiresAtMs = new Map<ByteString, number>();
  /** Scripts and function libraries: not keys (FLUSHALL keeps them, as in Redis), but in snapshots. */
  readonly scripts = new ScriptStore();
  private volatileCursor: Iterator<[ByteString, number]> | undefined;

  clear(): void {
    this.data.clear();
    this.expiresAtMs.clear();
    this.volatileCursor = undefined;
  }

  /** Up to `count` keys with a TTL, continuing round the expiry table from the last call. */
  volatileSample(count: number): [ByteString, number][] {
    const out: [ByteString, number][] = [];
    for (let wrapped = 0; out.length < count && wrapped < 2;) {
      this.volatileCursor ??= this.expiresAtMs.entries();
      const next = this.volatileCursor.next();
      if (next.done === true) {
        this.volatileCursor = undefined;
        wrapped++;
        continue;
      }
      out.push(next.value);
    }
    return out;
  }
}

/** Counters INFO reports. */
export class EngineStats {
  commandsProcessed = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  expiredKeys = 0;
  expiredFields = 0;
  evictedKeys = 0;
}
