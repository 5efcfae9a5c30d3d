import type { ByteString } from '@meridian/engine';

/** A byte string (one byte per code unit) as the Uint8Array fengari uses for Lua strings. */
export function toLuaBytes(text: ByteString): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

const CHUNK = 0x2000;

/** A Lua string's bytes as a byte string. */
export function fromLuaBytes(bytes: Uint8Array): ByteString {
  if (bytes.length <= CHUNK) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let text = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return text;
}

/** C's `%.17g`, as Redis formats a Lua number passed to redis.call. */
export function formatG17(value: number): string {
  return formatG(value, 17);
}

/** C's `%.<precision>g`. */
export function formatG(value: number, precision: number): string {
  if (Number.isNaN(value)) return value < 0 ? '-nan' : 'nan';
  if (!Number.isFinite(value)) return value < 0 ? '-inf' : 'inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  let text = value.toExponential(precision - 1);
  const parts = text.split('e') as [string, string];
  let mantissa = parts[0];
  let e = Number(parts[1]);
  if (e !== exponent && Math.abs(e - exponent) > 1) e = exponent;
  if (e < -4 || e >= precision) {
    if (mantissa.includes('.')) mantissa = mantissa.replace(/0+$/, '').replace(/\.$/, '');
    const sign = e < 0 ? '-' : '+';
    const digits = String(Math.abs(e)).padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  text = value.toFixed(Math.max(0, precision - 1 - e));
  if (text.includes('.')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  return text;
}
