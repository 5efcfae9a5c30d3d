import { CORS_REQUEST_HEADERS, CORS_RESPONSE_HEADERS } from './cors.js';

/** Header names and fixed header values of the REST protocol (all lowercase, as node:http gives them). */

export const ENCODING_HEADER = 'upstash-encoding';
export const RESPONSE_FORMAT_HEADER = 'upstash-response-format';
export const SERVED_BY_HEADER = 'x-meridian-served-by';
export const STALENESS_HEADER = 'x-meridian-staleness-ms';

/** Whether text[from, to) spells the lower-case header name `lower` in any case (no string made for it). */
export function isHeaderName(text: string, from: number, to: number, lower: string): boolean {
  if (to - from !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const want = lower.charCodeAt(i);
    const code = text.charCodeAt(from + i);
    if (code !== want && !(want >= 0x61 && want <= 0x7a && code === want - 0x20)) return false;
  }
  return true;
}

/** Methods a REST request may use (OPTIONS is answered as a CORS preflight). */
export const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, OPTIONS';

export const CORS_ALLOW_HEADERS = CORS_REQUEST_HEADERS.join(', ');

export const CORS_EXPOSE_HEADERS = CORS_RESPONSE_HEADERS.join(', ');

/** Headers every response carries, so browsers can read answers and the sync token. */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': CORS_EXPOSE_HEADERS,
};

/** The answer to an OPTIONS preflight. */
export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  ...CORS_HEADERS,
  'access-control-allow-methods': ALLOWED_METHODS,
  'access-control-allow-headers': CORS_ALLOW_HEADERS,
  'access-control-max-age': '86400',
};

/** Default request body limit, as Upstash: 10 MB. */
export const REQUEST_BYTES_MAX_DEFAULT = 10 * 1024 * 1024;
