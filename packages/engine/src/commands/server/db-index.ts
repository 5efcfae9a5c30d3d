import type { ByteString } from '../../bytes.js';
import { ERR_NOT_INTEGER } from '../../errors.js';
import { parseInteger } from '../../parse.js';
import { CommandError } from '../../reply.js';

/** Meridian keeps one database, as Upstash does: only index 0 exists. */
export const ERR_DB_INDEX_RANGE = 'ERR DB index is out of range';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * A database index as Redis's getIntFromObjectOrReply reads it: `message` (if given) replaces both
 * the "not an integer" and the int32 range errors, as in Redis.
 */
export function parseDbIndex(text: ByteString, message?: string): number {
  const value = parseInteger(text);
  if (value === null) throw new CommandError(message ?? ERR_NOT_INTEGER);
  if (value < INT32_MIN || value > INT32_MAX) {
    throw new CommandError(message ?? `ERR value is out of range, value must between ${INT32_MIN} and ${INT32_MAX}`);
  }
  return value;
}
