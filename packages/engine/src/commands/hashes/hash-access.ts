/**
 * Field expiry follows the key expiry rules: on the primary an expired field is deleted when its
 * hash is accessed (and `HDEL` is emitted); on a replica it is only hidden from readers; while
 * applying the primary's effects nothing is hidden or expired.
 */
import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_WRONGTYPE } from '../../errors.js';
import type { Keyspace } from '../../keyspace.js';
import { CommandError } from '../../reply.js';
import { HashValue } from '../../types/hash.js';

/** Keys of hashes that have (or had) field TTLs, per keyspace, for the active expiry cycle. */
const volatileHashKeys = new WeakMap<Keyspace, Set<ByteString>>();

export function volatileKeysOf(db: Keyspace): Set<ByteString> {
  let keys = volatileHashKeys.get(db);
  if (keys === undefined) {
    keys = new Set();
    volatileHashKeys.set(db, keys);
  }
  return keys;
}

/** Registers `key` for active field expiry when its hash has field TTLs (primary only). */
export function trackFieldTtls(ctx: ExecContext, key: ByteString, hash: HashValue): void {
  if (ctx.role === 'primary' && hash.fieldExpiresAtMs.size > 0) volatileKeysOf(ctx.db).add(key);
}

/**
 * On the primary, deletes the expired fields of the hash at `key` and emits one `HDEL` for them;
 * deletes the key when that empties it. Returns true when the key was deleted.
 */
export function expireFields(ctx: ExecContext, key: ByteString, hash: HashValue): boolean {
  if (ctx.applying || ctx.role !== 'primary') return false;
  const expired = hash.removeExpired(ctx.nowMs);
  if (expired.length === 0) return false;
  ctx.stats.expiredFields += expired.length;
  ctx.propagate(['HDEL', key, ...expired]);
  if (hash.size > 0) return false;
  ctx.deleteKey(key);
  return true;
}

function checked(ctx: ExecContext, key: ByteString, value: unknown): HashValue | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof HashValue)) throw new CommandError(ERR_WRONGTYPE);
  trackFieldTtls(ctx, key, value);
  return expireFields(ctx, key, value) ? undefined : value;
}

/** The hash at `key` for a read (counts hits and misses); WRONGTYPE for other types. */
export function readHash(ctx: ExecContext, key: ByteString): HashValue | undefined {
  return checked(ctx, key, ctx.lookupRead(key));
}

/** The hash at `key` for a write; WRONGTYPE for other types. */
export function writableHash(ctx: ExecContext, key: ByteString): HashValue | undefined {
  return checked(ctx, key, ctx.lookup(key));
}

/** The hash at `key`, created empty (and added to the keyspace) when absent. */
export function hashForWrite(ctx: ExecContext, key: ByteString): HashValue {
  const existing = writableHash(ctx, key);
  if (existing !== undefined) return existing;
  const hash = new HashValue();
  ctx.addKey(key, hash);
  return hash;
}

/** Deletes the key when the command left its hash empty; returns true if it did. */
export function deleteIfEmpty(ctx: ExecContext, key: ByteString, hash: HashValue): boolean {
  if (hash.size > 0) return false;
  if (ctx.db.data.get(key) === hash) ctx.deleteKey(key);
  return true;
}

/** True when a reader must not see `field` (a replica hiding a field the primary will expire). */
export function isHidden(ctx: ExecContext, hash: HashValue, field: ByteString): boolean {
  return !ctx.applying && hash.isFieldExpired(field, ctx.nowMs);
}

/** The value of a visible field, or undefined. */
export function fieldValue(ctx: ExecContext, hash: HashValue, field: ByteString): ByteString | undefined {
  const value = hash.fields.get(field);
  return value === undefined || isHidden(ctx, hash, field) ? undefined : value;
}

/** True when some field of the hash is hidden from readers right now. */
export function hasHiddenFields(ctx: ExecContext, hash: HashValue): boolean {
  return !ctx.applying && hash.mayHaveExpired(ctx.nowMs);
}

/** The visible [field, value] entries, in the hash's own order. */
export function visibleEntries(ctx: ExecContext, hash: HashValue): [ByteString, ByteString][] {
  const entries = hash.entryList();
  return hasHiddenFields(ctx, hash) ? entries.filter(([field]) => !isHidden(ctx, hash, field)) : entries;
}

/** The visible fields and values, flat ([field, value, …]), in the hash's own order. */
export function visibleFlatEntries(ctx: ExecContext, hash: HashValue): ByteString[] {
  const flat: ByteString[] = [];
  const hidden = hasHiddenFields(ctx, hash);
  hash.forEachEntry((field, value) => {
    if (!hidden || !isHidden(ctx, hash, field)) flat.push(field, value);
  });
  return flat;
}

/** The number of visible fields. */
export function visibleSize(ctx: ExecContext, hash: HashValue): number {
  if (!hasHiddenFields(ctx, hash)) return hash.size;
  let hidden = 0;
  for (const field of hash.fieldExpiresAtMs.keys()) if (isHidden(ctx, hash, field)) hidden++;
  return hash.size - hidden;
}
