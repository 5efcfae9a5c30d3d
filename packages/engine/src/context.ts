import type { ByteString } from './bytes.js';
import { CommandError } from './reply.js';
import { ERR_WRONGTYPE } from './errors.js';
import type { EngineStats, Keyspace } from './keyspace.js';
import type { TypeName, Value } from './value.js';
import type { Engine } from './engine.js';
import { typeOf } from './value.js';

export type Role = 'primary' | 'replica';

/**
 * Everything a command handler may touch: the keyspace, the time (passed in, never read from a
 * clock), a seeded random source, and the effects it must emit for replicas.
 *
 * Expiry follows Redis: on the primary a logically expired key is deleted on access and a `DEL`
 * effect is emitted; on a replica it only looks absent to readers; while applying the primary's
 * effects nothing is ever expired (the primary's `DEL`s do that).
 */
export class ExecContext {
  /** Effects of the current command batch, in order. */
  effects: ByteString[][] = [];
  /** The command being run, as received. */
  argv: readonly ByteString[] = [];
  /** The engine running the command (for commands that report on it, such as INFO). */
  engine!: Engine;

  constructor(
    readonly db: Keyspace,
    readonly stats: EngineStats,
    readonly role: Role,
    readonly random: () => number,
    public nowMs: number,
    /** True while executing the primary's effects on a replica (or during restart replay). */
    public applying: boolean,
  ) {}

  /** Records a deterministic command that reproduces (part of) this write on a replica. */
  propagate(args: ByteString[]): void {
    if (!this.applying) this.effects.push(args);
  }

  /** Propagates the current command unchanged (it is already deterministic). */
  propagateAsIs(): void {
    if (!this.applying) this.effects.push(this.argv.slice());
  }

  /** True when the key exists but its TTL has passed; on the primary, deletes it (and emits `DEL`). */
  expireIfNeeded(key: ByteString): boolean {
    if (this.applying) return false;
    // Most keyspaces hold few TTLs: an empty table needs no lookup (every read comes here).
    const expires = this.db.expiresAtMs;
    if (expires.size === 0) return false;
    const expiresAtMs = expires.get(key);
    if (expiresAtMs === undefined) return false;
    if (this.nowMs <= expiresAtMs) return false; // Redis: expired only once now > when
    if (this.role === 'replica') return true;
    this.db.data.delete(key);
    this.db.expiresAtMs.delete(key);
    this.stats.expiredKeys++;
    this.effects.push(['DEL', key]);
    return true;
  }

  /** The value at `key`, or undefined when absent or expired. */
  lookup(key: ByteString): Value | undefined {
    if (this.expireIfNeeded(key)) return undefined;
    return this.db.data.get(key);
  }

  /** Like lookup, counting keyspace hits and misses (for read commands). */
  lookupRead(key: ByteString): Value | undefined {
    const value = this.lookup(key);
    if (value === undefined) this.stats.keyspaceMisses++;
    else this.stats.keyspaceHits++;
    return value;
  }

  /** The value at `key` if it has type `type`; undefined when absent; WRONGTYPE otherwise. */
  lookupTyped<T extends Value>(key: ByteString, type: TypeName): T | undefined {
    const value = this.lookup(key);
    if (value === undefined) return undefined;
    if (typeOf(value) !== type) throw new CommandError(ERR_WRONGTYPE);
    return value as T;
  }

  exists(key: ByteString): boolean {
    return this.lookup(key) !== undefined;
  }

  /** Stores `value` at `key`. Drops the key's TTL unless `keepTtl`. */
  setKey(key: ByteString, value: Value, keepTtl = false): void {
    this.db.data.set(key, value);
    // Most keyspaces hold few TTLs: an empty table needs no lookup.
    if (!keepTtl && this.db.expiresAtMs.size > 0) this.db.expiresAtMs.delete(key);
  }

  /** Adds a key known to be absent (for types created by their first write). */
  addKey(key: ByteString, value: Value): void {
    this.db.data.set(key, value);
  }

  deleteKey(key: ByteString): boolean {
    if (!this.db.data.delete(key)) return false;
    this.db.expiresAtMs.delete(key);
    return true;
  }

  getExpireAtMs(key: ByteString): number | undefined {
    return this.db.expiresAtMs.get(key);
  }

  setExpireAtMs(key: ByteString, atMs: number): void {
    this.db.expiresAtMs.set(key, atMs);
  }

  removeExpire(key: ByteString): boolean {
    return this.db.expiresAtMs.delete(key);
  }

  /**
   * Redis's checkAlreadyExpired: a TTL in the past deletes the key at once, but only on the
   * primary (a replica or a replay waits for the primary's `DEL`).
   */
  isAlreadyExpired(atMs: number): boolean {
    return !this.applying && this.role === 'primary' && atMs <= this.nowMs;
  }
}
