import type { ByteString } from '@meridian/engine';

/** The UTF-8 bytes of a JS text string, as a ByteString. ASCII text is already its own bytes. */
export function textToBytes(text: string): ByteString {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return Buffer.from(text, 'utf8').toString('latin1');
  }
  return text;
}

/** Decodes a ByteString as UTF-8 text; invalid sequences become U+FFFD. */
export function bytesToText(bytes: ByteString): string {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes.charCodeAt(i) > 0x7f) return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return bytes;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Percent-decodes a URL component to bytes. A `%` not followed by two hex digits stays literal
 * (lenient, like most servers); `+` stays `+` (Redis arguments such as `+inf` must survive).
 * Characters above 0xFF (only possible when called without a socket) become their UTF-8 bytes.
 */
export function percentDecode(component: string): ByteString {
  let plain = true;
  for (let i = 0; i < component.length; i++) {
    const code = component.charCodeAt(i);
    if (code === 0x25 || code > 0xff) {
      plain = false;
      break;
    }
  }
  if (plain) return component;
  let out = '';
  for (let i = 0; i < component.length; i++) {
    const code = component.charCodeAt(i);
    if (code === 0x25 && i + 2 < component.length) {
      const high = hexValue(component.charCodeAt(i + 1));
      const low = hexValue(component.charCodeAt(i + 2));
      if (high >= 0 && low >= 0) {
        out += String.fromCharCode(high * 16 + low);
        i += 2;
        continue;
      }
    }
    if (code <= 0xff) {
      out += component[i];
      continue;
    }
    const character = String.fromCodePoint(component.codePointAt(i) ?? code);
    out += textToBytes(character);
    i += character.length - 1;
  }
  return out;
}
