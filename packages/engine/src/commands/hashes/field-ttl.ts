import type { ByteString } from '../../bytes.js';
import { defineCommand, type CommandSpec } from '../../command.js';
import type { ExecContext } from '../../context.js';
import type { Reply } from '../../reply.js';
import { ERR_NUMFIELDS_POSITIVE, NO_FIELD, NO_TTL, parseFieldList, type TimeUnit } from './field-args.js';
import { fieldValue, readHash } from './hash-access.js';

function ttlGeneric(
  ctx: ExecContext,
  argv: readonly ByteString[],
  name: string,
  unit: TimeUnit,
  relative: boolean,
): Reply {
  const hash = readHash(ctx, argv[1] as ByteString);
  const fields = parseFieldList(argv, 2, ERR_NUMFIELDS_POSITIVE, name);
  const baseMs = relative ? ctx.nowMs : 0;
  return fields.map((field) => {
    if (hash === undefined || fieldValue(ctx, hash, field) === undefined) return NO_FIELD;
    const atMs = hash.fieldExpiresAtMs.get(field);
    if (atMs === undefined) return NO_TTL;
    return unit === 'seconds' ? Math.floor((atMs + 999 - baseMs) / 1000) : atMs - baseMs;
  });
}

/**
 * A command of the HTTL family: `key FIELDS numfields field…`, per field the remaining time
 * (relative) or the expiry time (absolute), -1 without a TTL, -2 without the field.
 */
export function defineFieldTtlCommand(name: string, unit: TimeUnit, relative: boolean): CommandSpec {
  return defineCommand({
    name,
    arity: -5,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: 1,
    keyStep: 1,
    handler: (ctx, argv) => ttlGeneric(ctx, argv, name, unit, relative),
  });
}
