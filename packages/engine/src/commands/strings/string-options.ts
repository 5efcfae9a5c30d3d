import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_INVALID_EXPIRE, ERR_NOT_INTEGER, ERR_SYNTAX } from '../../errors.js';
import { INT64, parseBigInt64 } from '../../parse.js';
import { CommandError } from '../../reply.js';

export type ExpireUnit = 'ex' | 'px' | 'exat' | 'pxat';

/** The options of SET and GETEX as Redis's parseExtendedStringArgumentsOrReply reads them. */
export interface StringOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  persist: boolean;
  /** The last EX/PX/EXAT/PXAT given, with its unparsed argument. */
  expire: { unit: ExpireUnit; text: ByteString } | undefined;
}

const EXPIRE_UNITS: readonly string[] = ['ex', 'px', 'exat', 'pxat'];

const NO_OPTIONS: Readonly<StringOptions> = Object.freeze({
  nx: false,
  xx: false,
  get: false,
  keepTtl: false,
  persist: false,
  expire: undefined,
});

/**
 * Parses SET options (from argv[3]) or GETEX options (from argv[2]). Like Redis, an expire unit
 * may be repeated (the last wins) but not mixed with another unit, KEEPTTL or PERSIST.
 */
export function parseStringOptions(argv: readonly ByteString[], command: 'set' | 'getex'): Readonly<StringOptions> {
  const isSet = command === 'set';
  // Most calls have no options (every replicated plain SET): no object to build for them.
  if (argv.length <= (isSet ? 3 : 2)) return NO_OPTIONS;
  const options: StringOptions = { ...NO_OPTIONS };
  for (let i = isSet ? 3 : 2; i < argv.length; i++) {
    const option = (argv[i] as ByteString).toLowerCase();
    const next = argv[i + 1];
    const unit = options.expire?.unit;
    if (option === 'nx' && isSet && !options.xx) options.nx = true;
    else if (option === 'xx' && isSet && !options.nx) options.xx = true;
    else if (option === 'get' && isSet) options.get = true;
    else if (option === 'keepttl' && isSet && unit === undefined) options.keepTtl = true;
    else if (option === 'persist' && !isSet && unit === undefined) options.persist = true;
    else if (
      EXPIRE_UNITS.includes(option) &&
      !options.keepTtl &&
      !options.persist &&
      (unit === undefined || unit === option) &&
      next !== undefined
    ) {
      options.expire = { unit: option as ExpireUnit, text: next };
      i++;
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  return options;
}

/**
 * Redis's getExpireMillisecondsOrReply: the absolute expiry in ms of an EX/PX/EXAT/PXAT argument.
 * Not positive, or past int64 once converted to absolute milliseconds: "invalid expire time".
 */
export function expireAtMs(ctx: ExecContext, unit: ExpireUnit, text: ByteString, command: string): number {
  const amount = parseBigInt64(text);
  if (amount === null) throw new CommandError(ERR_NOT_INTEGER);
  const inSeconds = unit === 'ex' || unit === 'exat';
  if (amount <= 0n || (inSeconds && amount > INT64.max / 1000n)) throw new CommandError(ERR_INVALID_EXPIRE(command));
  let atMs = inSeconds ? amount * 1000n : amount;
  if (unit === 'ex' || unit === 'px') atMs += BigInt(Math.floor(ctx.nowMs));
  if (atMs > INT64.max) throw new CommandError(ERR_INVALID_EXPIRE(command));
  return Number(atMs);
}
