import type { ByteString } from './bytes.js';

/**
 * Redis's glob matcher (stringmatchlen): `*`, `?`, `[abc]`, `[^a-z]`, `\x` escapes, on bytes.
 * Used by KEYS, SCAN's MATCH, the *SCAN family and PSUBSCRIBE.
 */
export function globMatch(pattern: ByteString, text: ByteString, noCase = false): boolean {
  return matchFrom(pattern, 0, text, 0, noCase, 0);
}

function fold(code: number, noCase: boolean): number {
  return noCase && code >= 65 && code <= 90 ? code + 32 : code;
}

function matchFrom(pattern: string, p: number, text: string, t: number, noCase: boolean, depth: number): boolean {
  if (depth > 1000) return false;
  while (p < pattern.length) {
    const c = pattern.charCodeAt(p);
    if (c === 42 /* * */) {
      while (pattern.charCodeAt(p + 1) === 42) p++;
      if (p + 1 === pattern.length) return true;
      for (let start = t; start <= text.length; start++) {
        if (matchFrom(pattern, p + 1, text, start, noCase, depth + 1)) return true;
      }
      return false;
    }
    if (t >= text.length) return false;
    if (c === 63 /* ? */) {
      p++;
      t++;
      continue;
    }
    if (c === 91 /* [ */) {
      const result = matchClass(pattern, p + 1, text.charCodeAt(t), noCase);
      if (!result.matched) return false;
      p = result.next;
      t++;
      continue;
    }
    let literal = c;
    if (c === 92 /* \ */ && p + 1 < pattern.length) {
      p++;
      literal = pattern.charCodeAt(p);
    }
    if (fold(literal, noCase) !== fold(text.charCodeAt(t), noCase)) return false;
    p++;
    t++;
  }
  return t === text.length;
}

function matchClass(pattern: string, start: number, code: number, noCase: boolean): { matched: boolean; next: number } {
  let p = start;
  const negate = pattern.charCodeAt(p) === 94; /* ^ */
  if (negate) p++;
  let matched = false;
  const target = fold(code, noCase);
  for (;;) {
    if (p >= pattern.length) {
      p--; // Redis treats an unterminated class as ending at the pattern's end.
      break;
    }
    const c = pattern.charCodeAt(p);
    if (c === 93 /* ] */) break;
    if (c === 92 /* \ */ && p + 1 < pattern.length) {
      p++;
      if (fold(pattern.charCodeAt(p), noCase) === target) matched = true;
    } else if (p + 2 < pattern.length && pattern.charCodeAt(p + 1) === 45 /* - */) {
      let low = fold(c, noCase);
      let high = fold(pattern.charCodeAt(p + 2), noCase);
      if (low > high) [low, high] = [high, low];
      if (target >= low && target <= high) matched = true;
      p += 2;
    } else if (fold(c, noCase) === target) {
      matched = true;
    }
    p++;
  }
  return { matched: negate ? !matched : matched, next: p + 1 };
}
