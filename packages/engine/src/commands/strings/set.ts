import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { OK, type Reply } from '../../reply.js';
import { getString } from './get.js';
import { expireAtMs, parseStringOptions } from './string-options.js';

/**
 * Stores a string as SET does, with an optional absolute expiry; replicated as SET … PXAT (or
 * KEEPTTL), or as DEL when the expiry has already passed.
 */
export function storeString(
  ctx: ExecContext,
  key: ByteString,
  value: ByteString,
  options: { atMs: number | undefined; keepTtl: boolean },
): void {
  const { atMs, keepTtl } = options;
  if (atMs !== undefined && ctx.isAlreadyExpired(atMs)) {
    if (ctx.deleteKey(key)) ctx.propagate(['DEL', key]);
    return;
  }
  ctx.setKey(key, value, keepTtl);
  if (atMs !== undefined) ctx.setExpireAtMs(key, atMs);
  // Replicas apply SETs by the hundred thousand per second: build no effect they would drop.
  if (ctx.applying) return;
  if (atMs !== undefined) ctx.propagate(['SET', key, value, 'PXAT', String(atMs)]);
  else ctx.propagate(keepTtl ? ['SET', key, value, 'KEEPTTL'] : ['SET', key, value]);
}

/** SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]. */
export const set = defineCommand({
  name: 'set',
  arity: -3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const key = argv[1] as ByteString;
    const options = parseStringOptions(argv, 'set');
    const atMs = options.expire && expireAtMs(ctx, options.expire.unit, options.expire.text, 'set');
    const previous = options.get ? getString(ctx, key) : undefined;
    const exists = options.get ? previous !== undefined : ctx.exists(key);
    const reply: Reply = options.get ? (previous ?? null) : OK;
    if ((options.nx && exists) || (options.xx && !exists)) return options.get ? reply : null;
    storeString(ctx, key, argv[2] as ByteString, { atMs, keepTtl: options.keepTtl });
    return reply;
  },
});
