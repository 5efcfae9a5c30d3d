import type { ByteString } from '../bytes.js';

/**
 * A small hash packed into one byte string, as Redis packs it into one listpack: a char holding
 * the entry count, then per entry a char holding the field's length, the field, a char holding the
 * value's length, the value. V8 keeps it as one flat one-byte string (16 bytes of header), where
 * separate strings would cost ~24 bytes per field and per value before any array slot.
 *
 * Every write builds a new string, O(bytes of the hash), as a listpack insert moves its tail. The
 * limits are Redis 7.0's (hash-max-listpack-entries 128, hash-max-listpack-value 64), so a hash is
 * packed here exactly when Redis would first make it a listpack; a length fits one char either way.
 */
export const PACKED_ENTRIES_MAX = 128;
export const PACKED_ELEMENT_BYTES_MAX = 64;

/** The packed form of a hash with no entries. */
export const EMPTY_PACKED: ByteString = '\u0000';

/** The number of entries. */
export function packedSize(packed: ByteString): number {
  return packed.charCodeAt(0);
}

/** True when a field or value is short enough to be packed. */
export function fitsPacked(text: ByteString): boolean {
  return text.length <= PACKED_ELEMENT_BYTES_MAX;
}

/** The offset of the value-length char of the entry at `at`. */
function valueOffset(packed: ByteString, at: number): number {
  return at + 1 + packed.charCodeAt(at);
}

/** The offset just past the entry at `at` (where the next entry starts). */
export function entryEnd(packed: ByteString, at: number): number {
  const valueAt = valueOffset(packed, at);
  return valueAt + 1 + packed.charCodeAt(valueAt);
}

/** The offset of the entry holding `field`, or -1. */
export function findPacked(packed: ByteString, field: ByteString): number {
  const length = field.length;
  for (let at = 1; at < packed.length; at = entryEnd(packed, at)) {
    if (packed.charCodeAt(at) === length && packed.startsWith(field, at + 1)) return at;
  }
  return -1;
}

/** The offset of the `index`-th entry (0-based; index < size). */
export function packedEntryAt(packed: ByteString, index: number): number {
  let at = 1;
  for (let i = 0; i < index; i++) at = entryEnd(packed, at);
  return at;
}

export function fieldAt(packed: ByteString, at: number): ByteString {
  return packed.slice(at + 1, at + 1 + packed.charCodeAt(at));
}

export function valueAt(packed: ByteString, at: number): ByteString {
  const valueAt = valueOffset(packed, at);
  return packed.slice(valueAt + 1, valueAt + 1 + packed.charCodeAt(valueAt));
}

/** Visits every entry in order. */
export function visitPacked(packed: ByteString, visit: (field: ByteString, value: ByteString) => void): void {
  for (let at = 1; at < packed.length;) {
    const fieldLength = packed.charCodeAt(at);
    const valueAt = at + 1 + fieldLength;
    const valueLength = packed.charCodeAt(valueAt);
    const end = valueAt + 1 + valueLength;
    visit(packed.slice(at + 1, valueAt), packed.slice(valueAt + 1, end));
    at = end;
  }
}

/** `packed` with `field` → `value` added at the end (the field must be absent, both must fit). */
export function packedWithAdded(packed: ByteString, field: ByteString, value: ByteString): ByteString {
  // Array.prototype.join copies into one flat string; `+` would make a ConsString tree.
  return [
    String.fromCharCode(packedSize(packed) + 1),
    packed.slice(1),
    String.fromCharCode(field.length),
    field,
    String.fromCharCode(value.length),
    value,
  ].join('');
}

/**
 * `packed` with the pairs `pairs[from]`, `pairs[from + 1]`, … added at the end in one build, or
 * undefined unless every field is new, they are distinct, and all of them fit.
 */
export function packedWithAddedPairs(
  packed: ByteString,
  pairs: readonly ByteString[],
  from: number,
): ByteString | undefined {
  const size = packedSize(packed) + (pairs.length - from) / 2;
  if (size > PACKED_ENTRIES_MAX) return undefined;
  const parts: ByteString[] = [String.fromCharCode(size), packed.slice(1)];
  for (let i = from; i < pairs.length; i += 2) {
    const field = pairs[i] as ByteString;
    const value = pairs[i + 1] as ByteString;
    if (!fitsPacked(field) || !fitsPacked(value) || findPacked(packed, field) >= 0) return undefined;
    for (let j = from; j < i; j += 2) if (pairs[j] === field) return undefined;
    parts.push(String.fromCharCode(field.length), field, String.fromCharCode(value.length), value);
  }
  return parts.join('');
}

/** `packed` with the value of the entry at `at` replaced (the value must fit). */
export function packedWithValue(packed: ByteString, at: number, value: ByteString): ByteString {
  const valueAt = valueOffset(packed, at);
  if (packed.charCodeAt(valueAt) === value.length && packed.startsWith(value, valueAt + 1)) return packed;
  return [
    packed.slice(0, valueAt),
    String.fromCharCode(value.length),
    value,
    packed.slice(valueAt + 1 + packed.charCodeAt(valueAt)),
  ].join('');
}

/** `packed` without the entry at `at`. */
export function packedWithout(packed: ByteString, at: number): ByteString {
  const size = packedSize(packed);
  if (size === 1) return EMPTY_PACKED;
  return [String.fromCharCode(size - 1), packed.slice(1, at), packed.slice(entryEnd(packed, at))].join('');
}

/** The packed form of `entries` (fields distinct), or undefined when they do not fit it. */
export function pack(entries: readonly (readonly [ByteString, ByteString])[]): ByteString | undefined {
  if (entries.length > PACKED_ENTRIES_MAX) return undefined;
  const parts: ByteString[] = [String.fromCharCode(entries.length)];
  for (const [field, value] of entries) {
    if (!fitsPacked(field) || !fitsPacked(value)) return undefined;
    parts.push(String.fromCharCode(field.length), field, String.fromCharCode(value.length), value);
  }
  return entries.length === 0 ? EMPTY_PACKED : parts.join('');
}

/**
 * A flat copy of a string cut out of a packed hash. V8 makes a cut of 13 chars or more a view
 * that keeps the whole packed string alive; a hash leaving the packed form must not hold those.
 */
export function detached(text: ByteString): ByteString {
  if (text.length < 13) return text;
  const codes = new Array<number>(text.length);
  for (let i = 0; i < text.length; i++) codes[i] = text.charCodeAt(i);
  return String.fromCharCode(...codes);
}
