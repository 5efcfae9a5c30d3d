import type { Reply } from '@meridian/engine';

/**
 * The most raw bytes one REST answer may carry. Encoding multiplies a value's size (JSON escapes a
 * NUL byte as six, base64 by 4/3) and a value grown by SETRANGE can be hundreds of MB: encoding one
 * such answer took a node to gigabytes and tens of seconds. Larger values are read in parts with
 * GETRANGE. (Redis's own limit on a value is proto-max-bulk-len, 512 MB.)
 */
export const REPLY_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;

/** The raw bytes of `replies`, counted only up to just past `limit` (so the walk stays bounded). */
export function replyBytes(replies: readonly Reply[], limit: number): number {
  let total = 0;
  const stack: Reply[] = [...replies];
  while (stack.length > 0 && total <= limit) {
    const reply = stack.pop() as Reply;
    if (typeof reply === 'string') total += reply.length;
    else if (Array.isArray(reply)) for (const item of reply as readonly Reply[]) stack.push(item);
    else total += 16;
  }
  return total;
}

export function replyTooLarge(limit: number): string {
  return `ERR reply too large: more than ${limit} bytes in one answer (MERIDIAN_REPLY_TOO_LARGE); read the value in parts with GETRANGE, or fewer elements with ranges and COUNT`;
}
