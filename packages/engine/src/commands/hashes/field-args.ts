import type { ByteString } from '../../bytes.js';
import { ERR_INVALID_EXPIRE, ERR_NOT_INTEGER, wrongArity } from '../../errors.js';
import { parseInteger } from '../../parse.js';
import { CommandError } from '../../reply.js';

/** The latest field expiry time Redis accepts (EB_EXPIRE_TIME_MAX >> 2), in ms. */
export const FIELD_EXPIRE_AT_MS_MAX = 2 ** 46 - 1;

export const ERR_FIELDS_MISSING = 'ERR Mandatory argument FIELDS is missing or not at the right position';
export const ERR_NUMFIELDS_MISMATCH = 'ERR The `numfields` parameter must match the number of arguments';
export const ERR_NUMFIELDS_POSITIVE = 'ERR Number of fields must be a positive integer';
export const ERR_NUMFIELDS_GREATER_THAN_ZERO = 'ERR Parameter `numFields` should be greater than 0';

/** Reply codes of the field-TTL commands. */
export const NO_FIELD = -2;
export const NO_TTL = -1;
export const CONDITION_NOT_MET = 0;
export const TTL_SET = 1;
export const FIELD_DELETED = 2;

export type TimeUnit = 'seconds' | 'milliseconds';

/**
 * Redis's parseExpireTime for hash fields: an integer ≥ 0 in `unit`, added to `baseMs` (the
 * current time for relative forms, 0 for the *AT forms), at most FIELD_EXPIRE_AT_MS_MAX.
 */
export function parseFieldExpireAtMs(text: ByteString, unit: TimeUnit, baseMs: number, commandName: string): number {
  const amount = parseInteger(text);
  if (amount === null) throw new CommandError(ERR_NOT_INTEGER);
  if (amount < 0) throw new CommandError('ERR invalid expire time, must be >= 0');
  let ms = amount;
  if (unit === 'seconds') {
    if (amount > Math.floor(FIELD_EXPIRE_AT_MS_MAX / 1000)) throw new CommandError(ERR_INVALID_EXPIRE(commandName));
    ms = amount * 1000;
  }
  if (ms > FIELD_EXPIRE_AT_MS_MAX - baseMs) throw new CommandError(ERR_INVALID_EXPIRE(commandName));
  return ms + baseMs;
}

/**
 * Parses `FIELDS numfields field…` where argv[fieldsAt] must be FIELDS and the fields must run
 * to the end of argv. `countError` is the command's text for a count that is not ≥ 1.
 */
export function parseFieldList(
  argv: readonly ByteString[],
  fieldsAt: number,
  countError: string,
  commandName: string,
): ByteString[] {
  if ((argv[fieldsAt] ?? '').toLowerCase() !== 'fields') throw new CommandError(ERR_FIELDS_MISSING);
  const countText = argv[fieldsAt + 1];
  if (countText === undefined) throw new CommandError(wrongArity(commandName));
  const count = parseInteger(countText);
  if (count === null || count < 1) throw new CommandError(countError);
  if (count !== argv.length - fieldsAt - 2) throw new CommandError(ERR_NUMFIELDS_MISMATCH);
  return argv.slice(fieldsAt + 2);
}
