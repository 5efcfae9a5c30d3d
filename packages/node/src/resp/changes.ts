import { type ByteString, commandKeys, Engine, ReplyError } from '@meridian/engine';

/** Told which keys changed (`undefined`: possibly all of them, e.g. FLUSHALL). */
export type ChangeListener = (keys: readonly ByteString[] | undefined) => void;

const FLUSHES = new Set(['flushall', 'flushdb', 'swapdb']);

/** The keys a log entry's effects touch; undefined when it may touch every key. */
export function keysOfEffects(effects: readonly (readonly ByteString[])[]): ByteString[] | undefined {
  const keys: ByteString[] = [];
  for (const effect of effects) {
    const info = Engine.resolve(effect);
    if (info instanceof ReplyError || FLUSHES.has(info.name)) return undefined;
    keys.push(...commandKeys(info, effect));
  }
  return keys;
}

/**
 * Keyspace changes as this node's write log sees them (a primary's appends, a replica's applied
 * entries), told to listeners after the current synchronous step so the change is visible in the engine.
 */
export class KeyspaceChanges {
  private readonly listeners = new Set<ChangeListener>();

  listen(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(effects: readonly (readonly ByteString[])[]): void {
    if (this.listeners.size === 0 || effects.length === 0) return;
    const keys = keysOfEffects(effects);
    queueMicrotask(() => {
      for (const listener of this.listeners) listener(keys);
    });
  }
}

/** WATCHed keys → the connections watching them; a change marks those connections dirty. */
export class WatchRegistry {
  private readonly watchers = new Map<ByteString, Set<WatchState>>();
  private readonly all = new Set<WatchState>();

  constructor(changes: KeyspaceChanges) {
    changes.listen((keys) => this.changed(keys));
  }

  watch(state: WatchState, key: ByteString): void {
    let set = this.watchers.get(key);
    if (set === undefined) this.watchers.set(key, (set = new Set()));
    set.add(state);
    state.keys.add(key);
    this.all.add(state);
  }

  unwatch(state: WatchState): void {
    for (const key of state.keys) {
      const set = this.watchers.get(key);
      set?.delete(state);
      if (set?.size === 0) this.watchers.delete(key);
    }
    state.keys.clear();
    state.dirty = false;
    this.all.delete(state);
  }

  get watchedKeys(): number {
    return this.watchers.size;
  }

  private changed(keys: readonly ByteString[] | undefined): void {
    if (keys === undefined) {
      for (const state of this.all) state.dirty = true;
      return;
    }
    for (const key of keys) {
      const set = this.watchers.get(key);
      if (set !== undefined) for (const state of set) state.dirty = true;
    }
  }
}

/** One connection's WATCH: its keys and whether one of them changed since. */
export class WatchState {
  readonly keys = new Set<ByteString>();
  dirty = false;
}

/** Writes remembered for WATCH checks from replicas (bounded: older ones count as changes). */
export const RECENT_WRITES_MAX = 100_000;

/**
 * The primary's memory of which keys changed at which offset, for the newest RECENT_WRITES_MAX
 * writes: a replica's forwarded EXEC carries the offset its client WATCHed at, and runs only when no
 * watched key changed after it. Past the window the answer is "changed" (the client retries), never a
 * lost update.
 */
export class RecentWrites {
  private readonly lastOffset = new Map<ByteString, number>();
  /**
   * The remembered writes, oldest first from `next` once full: a ring of keys and offsets side by
   * side (no object per write), grown by doubling up to `capacity`.
   */
  private ringKeys: ByteString[] = [];
  private ringOffsets = new Float64Array(0);
  private next = 0;
  private count = 0;
  /** Offsets at or below this may have writes no longer remembered. */
  private windowStart: number;
  /** The newest offset at which every key may have changed (FLUSHALL, FLUSHDB, SWAPDB). */
  private everythingAt = 0;

  constructor(
    changes: KeyspaceChanges,
    private readonly offsetNow: () => number,
    private readonly capacity = RECENT_WRITES_MAX,
  ) {
    this.windowStart = offsetNow();
    changes.listen((keys) => this.changed(keys));
  }

  /** Whether any of `keys` may have changed after `offset`. */
  changedSince(keys: readonly ByteString[], offset: number): boolean {
    if (offset < this.windowStart || this.everythingAt > offset) return true;
    return keys.some((key) => (this.lastOffset.get(key) ?? 0) > offset);
  }

  private changed(keys: readonly ByteString[] | undefined): void {
    const offset = this.offsetNow();
    if (keys === undefined) {
      this.everythingAt = offset;
      return;
    }
    for (const key of keys) {
      if (this.count === this.ringOffsets.length && this.count < this.capacity) this.grow();
      if (this.count === this.capacity) {
        // Full: the oldest write, at `next`, is forgotten.
        const oldKey = this.ringKeys[this.next] as ByteString;
        const oldOffset = this.ringOffsets[this.next] as number;
        if (this.lastOffset.get(oldKey) === oldOffset) this.lastOffset.delete(oldKey);
        if (oldOffset > this.windowStart) this.windowStart = oldOffset;
      } else this.count++;
      this.ringKeys[this.next] = key;
      this.ringOffsets[this.next] = offset;
      this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
      this.lastOffset.set(key, offset);
    }
  }

  /** Doubles the ring (it is not yet full, so its entries run from 0 to `count`). */
  private grow(): void {
    const size = Math.min(this.capacity, Math.max(1024, this.ringOffsets.length * 2));
    const offsets = new Float64Array(size);
    offsets.set(this.ringOffsets);
    this.ringOffsets = offsets;
    this.ringKeys.length = size;
  }
}
