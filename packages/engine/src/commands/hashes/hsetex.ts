import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { wrongArity } from '../../errors.js';
import { parseInteger } from '../../parse.js';
import { CommandError, type Reply } from '../../reply.js';
import type { HashValue } from '../../types/hash.js';
import { parseFieldExpireAtMs } from './field-args.js';
import { type FieldExpireChanges, setFieldExpire } from './field-expire.js';
import { deleteIfEmpty, fieldValue, hashForWrite, trackFieldTtls, writableHash } from './hash-access.js';

interface SetExOptions {
  condition: 'fnx' | 'fxx' | undefined;
  /** Absolute expiry in ms, when EX/PX/EXAT/PXAT was given. */
  expiresAtMs: number | undefined;
  keepTtl: boolean;
  /** The field/value pairs after `FIELDS numfields`. */
  pairs: ByteString[];
}

const ERR_ONE_EXPIRATION = 'ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified';

function parseFieldPairs(argv: readonly ByteString[], i: number): ByteString[] {
  if (i >= argv.length - 3) throw new CommandError(wrongArity('hsetex'));
  const count = parseInteger(argv[i + 1] as ByteString);
  if (count === null || count < 1 || count > 2147483647) throw new CommandError('ERR invalid number of fields');
  const remaining = argv.length - i - 2;
  if (remaining % 2 !== 0 || count !== remaining / 2) throw new CommandError(wrongArity('hsetex'));
  return argv.slice(i + 2);
}

/** Redis's hsetexParseArgs: options in any order up to FIELDS, which ends the command. */
function parseSetExOptions(ctx: ExecContext, argv: readonly ByteString[]): SetExOptions {
  const options: SetExOptions = { condition: undefined, expiresAtMs: undefined, keepTtl: false, pairs: [] };
  for (let i = 2; i < argv.length; i++) {
    const option = (argv[i] as ByteString).toLowerCase();
    const hasExpiration = options.expiresAtMs !== undefined || options.keepTtl;
    if (option === 'fields') {
      options.pairs = parseFieldPairs(argv, i);
      return options;
    } else if (option === 'ex' || option === 'px' || option === 'exat' || option === 'pxat') {
      if (hasExpiration) throw new CommandError(ERR_ONE_EXPIRATION);
      if (i >= argv.length - 1) throw new CommandError('ERR missing expire time');
      const unit = option === 'ex' || option === 'exat' ? 'seconds' : 'milliseconds';
      const baseMs = option === 'ex' || option === 'px' ? ctx.nowMs : 0;
      options.expiresAtMs = parseFieldExpireAtMs(argv[++i] as ByteString, unit, baseMs, 'hsetex');
    } else if (option === 'keepttl') {
      if (hasExpiration) throw new CommandError(ERR_ONE_EXPIRATION);
      options.keepTtl = true;
    } else if (option === 'fnx' || option === 'fxx') {
      if (options.condition !== undefined)
        throw new CommandError('ERR Only one of FXX or FNX arguments can be specified');
      options.condition = option;
    } else {
      throw new CommandError(`ERR unknown argument: ${argv[i] as ByteString}`);
    }
  }
  throw new CommandError(wrongArity('hsetex'));
}

/** FNX: none of the fields exists; FXX: all of them do. */
function conditionHolds(ctx: ExecContext, hash: HashValue | undefined, options: SetExOptions): boolean {
  if (options.condition === undefined) return true;
  const exists = (field: ByteString): boolean => hash !== undefined && fieldValue(ctx, hash, field) !== undefined;
  const fields = options.pairs.filter((_, index) => index % 2 === 0);
  return options.condition === 'fnx' ? !fields.some(exists) : fields.every(exists);
}

function propagateSetEx(ctx: ExecContext, key: ByteString, options: SetExOptions, changes: FieldExpireChanges): void {
  if (changes.deleted.length > 0) {
    ctx.propagate(['HDEL', key, ...changes.deleted]);
    return;
  }
  const expiration =
    options.expiresAtMs !== undefined ? ['PXAT', String(options.expiresAtMs)] : options.keepTtl ? ['KEEPTTL'] : [];
  ctx.propagate(['HSETEX', key, ...expiration, 'FIELDS', String(options.pairs.length / 2), ...options.pairs]);
}

/**
 * HSETEX key [FNX|FXX] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL] FIELDS numfields field value…: 1 when
 * the fields were set, 0 when FNX/FXX did not hold. Replicated as HSETEX with an absolute PXAT
 * (the condition already decided), or as HDEL when the time is already past.
 */
export const hsetex = defineCommand({
  name: 'hsetex',
  arity: -6,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const key = argv[1] as ByteString;
    const options = parseSetExOptions(ctx, argv);
    if (!conditionHolds(ctx, writableHash(ctx, key), options)) return 0;
    const hash = hashForWrite(ctx, key);
    const keepTtl = options.keepTtl || options.expiresAtMs !== undefined;
    const changes: FieldExpireChanges = { updated: [], deleted: [] };
    for (let i = 0; i < options.pairs.length; i += 2) {
      const field = options.pairs[i] as ByteString;
      hash.setField(field, options.pairs[i + 1] as ByteString, keepTtl);
      if (options.expiresAtMs !== undefined) setFieldExpire(ctx, hash, field, options.expiresAtMs, undefined, changes);
    }
    deleteIfEmpty(ctx, key, hash);
    trackFieldTtls(ctx, key, hash);
    propagateSetEx(ctx, key, options, changes);
    return 1;
  },
});
