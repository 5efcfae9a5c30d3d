/**
 * A Redis value or key: a byte string held in a JS string whose every code unit is one byte
 * (0..255, "latin1"/"binary" form). V8 stores such strings one byte per character, they hash and
 * compare by content (so they work as Map keys), and code-unit order is byte order (memcmp).
 * Conversion from and to UTF-8 text happens at the edges (REST, CLI), never in the engine.
 */
export type ByteString = string;

/** True when `s` holds only ASCII, i.e. its UTF-8 bytes and its code units are the same. */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) return false;
  }
  return true;
}

/** Byte-wise comparison (memcmp order) of two byte strings: -1, 0 or 1. */
export function compareBytes(a: ByteString, b: ByteString): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
