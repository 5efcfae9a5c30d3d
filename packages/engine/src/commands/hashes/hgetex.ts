import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import type { Reply } from '../../reply.js';
import type { HashValue } from '../../types/hash.js';
import { ERR_NUMFIELDS_POSITIVE, parseFieldExpireAtMs, parseFieldList } from './field-args.js';
import { type FieldExpireChanges, propagateFieldExpire, setFieldExpire } from './field-expire.js';
import { deleteIfEmpty, fieldValue, trackFieldTtls, writableHash } from './hash-access.js';

type Change = { kind: 'none' } | { kind: 'persist' } | { kind: 'expire'; atMs: number };

/** Parses the optional `EX s | PX ms | EXAT s | PXAT ms | PERSIST` at argv[2]; returns it and where FIELDS is. */
function parseChange(ctx: ExecContext, argv: readonly ByteString[]): [Change, number] {
  const option = (argv[2] as ByteString).toLowerCase();
  if (option === 'persist') return [{ kind: 'persist' }, 3];
  if (option !== 'ex' && option !== 'px' && option !== 'exat' && option !== 'pxat') return [{ kind: 'none' }, 2];
  const unit = option === 'ex' || option === 'exat' ? 'seconds' : 'milliseconds';
  const baseMs = option === 'ex' || option === 'px' ? ctx.nowMs : 0;
  return [{ kind: 'expire', atMs: parseFieldExpireAtMs(argv[3] as ByteString, unit, baseMs, 'hgetex') }, 4];
}

function applyChange(
  ctx: ExecContext,
  hash: HashValue,
  field: ByteString,
  change: Change,
  changes: FieldExpireChanges,
): void {
  if (change.kind === 'expire') setFieldExpire(ctx, hash, field, change.atMs, undefined, changes);
  else if (change.kind === 'persist' && hash.persistField(field)) changes.updated.push(field);
}

/**
 * HGETEX key [EX s | PX ms | EXAT s | PXAT ms | PERSIST] FIELDS numfields field…: the values,
 * changing the TTL of the fields that exist. Replicated as HPEXPIREAT (absolute), HPERSIST, or
 * HDEL when the time is already past.
 */
export const hgetex = defineCommand({
  name: 'hgetex',
  arity: -5,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const key = argv[1] as ByteString;
    const hash = writableHash(ctx, key);
    const [change, fieldsAt] = parseChange(ctx, argv);
    const fields = parseFieldList(argv, fieldsAt, ERR_NUMFIELDS_POSITIVE, 'hgetex');
    if (hash === undefined) return fields.map(() => null);
    const changes: FieldExpireChanges = { updated: [], deleted: [] };
    const replies = fields.map((field) => {
      const value = fieldValue(ctx, hash, field);
      if (value !== undefined) applyChange(ctx, hash, field, change, changes);
      return value ?? null;
    });
    deleteIfEmpty(ctx, key, hash);
    if (change.kind === 'expire') {
      trackFieldTtls(ctx, key, hash);
      propagateFieldExpire(ctx, key, change.atMs, changes);
    } else if (changes.updated.length > 0) {
      ctx.propagate(['HPERSIST', key, 'FIELDS', String(changes.updated.length), ...changes.updated]);
    }
    return replies;
  },
});
