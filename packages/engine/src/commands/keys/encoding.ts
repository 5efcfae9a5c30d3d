import type { ByteString } from '../../bytes.js';
import { parseBigInt64 } from '../../parse.js';
import type { HashValue } from '../../types/hash.js';
import type { SetValue } from '../../types/set.js';
import type { ZSetValue } from '../../types/zset.js';
import type { Value } from '../../value.js';

/** Redis 7.0's default thresholds for the compact encodings. */
const EMBSTR_BYTES_MAX = 44;
const LISTPACK_ENTRIES_MAX = 128;
const LISTPACK_VALUE_BYTES_MAX = 64;
const INTSET_ENTRIES_MAX = 512;
/** Redis shares the integer objects 0..9999; their refcount is INT_MAX. */
const SHARED_INTEGERS_MAX = 9999;
export const SHARED_REFCOUNT = 2147483647;

function isInteger(text: ByteString): boolean {
  return text.length <= 20 && parseBigInt64(text) !== null;
}

function allShort(items: Iterable<ByteString>): boolean {
  for (const item of items) if (item.length > LISTPACK_VALUE_BYTES_MAX) return false;
  return true;
}

function hashEncoding(hash: HashValue): string {
  if (hash.size > LISTPACK_ENTRIES_MAX) return 'hashtable';
  for (const [field, value] of hash.fields.entries()) {
    if (field.length > LISTPACK_VALUE_BYTES_MAX || value.length > LISTPACK_VALUE_BYTES_MAX) return 'hashtable';
  }
  return hash.fieldExpiresAtMs.size > 0 ? 'listpackex' : 'listpack';
}

function setEncoding(set: SetValue): string {
  if (set.size > INTSET_ENTRIES_MAX) return 'hashtable';
  for (const member of set.members.keysIterator()) if (!isInteger(member)) return 'hashtable';
  return 'intset';
}

function zsetEncoding(zset: ZSetValue): string {
  if (zset.size > LISTPACK_ENTRIES_MAX) return 'skiplist';
  return allShort(zset.members()) ? 'listpack' : 'skiplist';
}

/**
 * The encoding Redis 7.0 would report for a value built by plain writes. Redis never converts
 * back to a compact encoding when a value shrinks, and APPEND/SETRANGE make `raw` strings; this
 * derives it from the current content instead, which matches for values that only grew.
 */
export function encodingOf(value: Value): string {
  if (typeof value === 'string') {
    if (isInteger(value)) return 'int';
    return value.length <= EMBSTR_BYTES_MAX ? 'embstr' : 'raw';
  }
  switch (value.type) {
    case 'hash':
      return hashEncoding(value);
    case 'list':
      return 'quicklist';
    case 'set':
      return setEncoding(value);
    case 'zset':
      return zsetEncoding(value);
    case 'stream':
      return 'stream';
    case 'ReJSON-RL':
      return 'raw';
  }
}

/** OBJECT REFCOUNT: shared small integers report INT_MAX, everything else 1. */
export function refcountOf(value: Value): number {
  if (typeof value !== 'string' || !isInteger(value)) return 1;
  const n = Number(value);
  return n >= 0 && n <= SHARED_INTEGERS_MAX ? SHARED_REFCOUNT : 1;
}
