import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { ERR_NO_SUCH_KEY } from '../../errors.js';
import { CommandError, OK, type Reply } from '../../reply.js';
import { trackFieldTtls } from '../hashes/hash-access.js';
import { HashValue } from '../../types/hash.js';

/**
 * RENAME and RENAMENX: moves the value and its TTL to the new name, replacing what was there
 * (unless `nx`). Deterministic given the keyspace, so replicated as is.
 */
export function renameGeneric(ctx: ExecContext, argv: readonly ByteString[], nx: boolean): Reply {
  const source = argv[1] as ByteString;
  const destination = argv[2] as ByteString;
  const value = ctx.lookup(source);
  if (value === undefined) throw new CommandError(ERR_NO_SUCH_KEY);
  if (source === destination) return nx ? 0 : OK;
  const expiresAtMs = ctx.getExpireAtMs(source);
  if (ctx.lookup(destination) !== undefined) {
    if (nx) return 0;
    ctx.deleteKey(destination);
  }
  ctx.deleteKey(source);
  ctx.setKey(destination, value);
  if (expiresAtMs !== undefined) ctx.setExpireAtMs(destination, expiresAtMs);
  if (value instanceof HashValue) trackFieldTtls(ctx, destination, value);
  ctx.propagateAsIs();
  return nx ? 1 : OK;
}

/** RENAME key newkey. */
export const rename = defineCommand({
  name: 'rename',
  arity: 3,
  flags: ['write'],
  firstKey: 1,
  lastKey: 2,
  keyStep: 1,
  handler: (ctx, argv) => renameGeneric(ctx, argv, false),
});
