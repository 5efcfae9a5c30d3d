import type { ByteString } from '../../bytes.js';
import { defineCommand, type CommandSpec } from '../../command.js';
import type { ExecContext } from '../../context.js';
import type { Reply } from '../../reply.js';
import type { HashValue } from '../../types/hash.js';
import {
  CONDITION_NOT_MET,
  ERR_NUMFIELDS_GREATER_THAN_ZERO,
  FIELD_DELETED,
  NO_FIELD,
  parseFieldExpireAtMs,
  parseFieldList,
  TTL_SET,
  type TimeUnit,
} from './field-args.js';
import { deleteIfEmpty, isHidden, trackFieldTtls, writableHash } from './hash-access.js';

export type ExpireCondition = 'nx' | 'xx' | 'gt' | 'lt' | undefined;

/** The outcome of setting one field's TTL, and the field lists to replicate. */
export interface FieldExpireChanges {
  updated: ByteString[];
  deleted: ByteString[];
}

function conditionMet(condition: ExpireCondition, previousMs: number | undefined, atMs: number): boolean {
  // A field without a TTL counts as one that never expires.
  if (previousMs === undefined) return condition !== 'xx' && condition !== 'gt';
  if (condition === 'nx') return false;
  if (condition === 'gt') return atMs > previousMs;
  if (condition === 'lt') return atMs < previousMs;
  return true;
}

/**
 * Redis's hashTypeSetEx for one field: -2 no such field, 0 condition not met, 2 deleted because
 * the time is already past (primary only), 1 TTL set.
 */
export function setFieldExpire(
  ctx: ExecContext,
  hash: HashValue,
  field: ByteString,
  atMs: number,
  condition: ExpireCondition,
  changes: FieldExpireChanges,
): number {
  if (!hash.fields.has(field) || isHidden(ctx, hash, field)) return NO_FIELD;
  if (!conditionMet(condition, hash.fieldExpiresAtMs.get(field), atMs)) return CONDITION_NOT_MET;
  if (ctx.isAlreadyExpired(atMs)) {
    hash.deleteField(field);
    ctx.stats.expiredFields++;
    changes.deleted.push(field);
    return FIELD_DELETED;
  }
  hash.setFieldExpire(field, atMs);
  changes.updated.push(field);
  return TTL_SET;
}

/** Emits HDEL for deleted fields and HPEXPIREAT (absolute) for the fields whose TTL was set. */
export function propagateFieldExpire(
  ctx: ExecContext,
  key: ByteString,
  atMs: number,
  changes: FieldExpireChanges,
): void {
  if (changes.deleted.length > 0) ctx.propagate(['HDEL', key, ...changes.deleted]);
  if (changes.updated.length > 0) {
    ctx.propagate(['HPEXPIREAT', key, String(atMs), 'FIELDS', String(changes.updated.length), ...changes.updated]);
  }
}

function parseCondition(text: ByteString | undefined): ExpireCondition {
  const option = (text ?? '').toLowerCase();
  return option === 'nx' || option === 'xx' || option === 'gt' || option === 'lt' ? option : undefined;
}

function expireGeneric(
  ctx: ExecContext,
  argv: readonly ByteString[],
  name: string,
  unit: TimeUnit,
  relative: boolean,
): Reply {
  const key = argv[1] as ByteString;
  const hash = writableHash(ctx, key);
  const atMs = parseFieldExpireAtMs(argv[2] as ByteString, unit, relative ? ctx.nowMs : 0, name);
  const condition = parseCondition(argv[3]);
  const fields = parseFieldList(argv, condition === undefined ? 3 : 4, ERR_NUMFIELDS_GREATER_THAN_ZERO, name);
  if (hash === undefined) return fields.map(() => NO_FIELD);
  const changes: FieldExpireChanges = { updated: [], deleted: [] };
  const replies = fields.map((field) => setFieldExpire(ctx, hash, field, atMs, condition, changes));
  deleteIfEmpty(ctx, key, hash);
  trackFieldTtls(ctx, key, hash);
  propagateFieldExpire(ctx, key, atMs, changes);
  return replies;
}

/** A command of the HEXPIRE family: `key time [NX|XX|GT|LT] FIELDS numfields field…`, a code per field. */
export function defineFieldExpireCommand(name: string, unit: TimeUnit, relative: boolean): CommandSpec {
  return defineCommand({
    name,
    arity: -6,
    flags: ['write'],
    firstKey: 1,
    lastKey: 1,
    keyStep: 1,
    handler: (ctx, argv) => expireGeneric(ctx, argv, name, unit, relative),
  });
}
