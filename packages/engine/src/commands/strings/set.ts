import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { ERR_INVALID_EXPIRE, ERR_SYNTAX } from '../../errors.js';
import { parseInteger } from '../../parse.js';
import { CommandError, OK, type Reply } from '../../reply.js';
import { getString } from './get.js';

interface SetOptions {
  condition: 'nx' | 'xx' | undefined;
  /** Absolute expiry in ms, when EX/PX/EXAT/PXAT was given. */
  expiresAtMs: number | undefined;
  keepTtl: boolean;
  get: boolean;
}

function parseSetOptions(ctx: ExecContext, argv: readonly ByteString[]): SetOptions {
  const options: SetOptions = { condition: undefined, expiresAtMs: undefined, keepTtl: false, get: false };
  let hasExpire = false;
  for (let i = 3; i < argv.length; i++) {
    const option = (argv[i] as ByteString).toLowerCase();
    const next = argv[i + 1];
    if (option === 'nx' && options.condition !== 'xx') options.condition = 'nx';
    else if (option === 'xx' && options.condition !== 'nx') options.condition = 'xx';
    else if (option === 'get') options.get = true;
    else if (option === 'keepttl' && !hasExpire) options.keepTtl = true;
    else if ((option === 'ex' || option === 'px' || option === 'exat' || option === 'pxat') && !options.keepTtl && !hasExpire && next !== undefined) {
      options.expiresAtMs = parseExpire(ctx, option, next);
      hasExpire = true;
      i++;
    } else throw new CommandError(ERR_SYNTAX);
  }
  return options;
}

function parseExpire(ctx: ExecContext, unit: string, text: ByteString): number {
  const amount = parseInteger(text);
  if (amount === null) throw new CommandError('ERR value is not an integer or out of range');
  if (amount <= 0) throw new CommandError(ERR_INVALID_EXPIRE('set'));
  const ms = unit === 'ex' || unit === 'exat' ? amount * 1000 : amount;
  const atMs = unit === 'ex' || unit === 'px' ? ctx.nowMs + ms : ms;
  if (!Number.isSafeInteger(atMs) || !Number.isSafeInteger(ms)) throw new CommandError(ERR_INVALID_EXPIRE('set'));
  return atMs;
}

/** SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]; replicated with an absolute PXAT. */
export const set = defineCommand({
  name: 'set',
  arity: -3,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const key = argv[1] as ByteString;
    const value = argv[2] as ByteString;
    const options = parseSetOptions(ctx, argv);
    const previous = options.get ? getString(ctx, key) : undefined;
    const exists = options.get ? previous !== undefined : ctx.exists(key);
    const reply: Reply = options.get ? (previous ?? null) : OK;
    if ((options.condition === 'nx' && exists) || (options.condition === 'xx' && !exists)) {
      return options.get ? reply : null;
    }
    if (options.expiresAtMs !== undefined && ctx.isAlreadyExpired(options.expiresAtMs)) {
      if (ctx.deleteKey(key)) ctx.propagate(['DEL', key]);
      return reply;
    }
    ctx.setKey(key, value, options.keepTtl);
    if (options.expiresAtMs !== undefined) {
      ctx.setExpireAtMs(key, options.expiresAtMs);
      ctx.propagate(['SET', key, value, 'PXAT', String(options.expiresAtMs)]);
    } else {
      ctx.propagate(options.keepTtl ? ['SET', key, value, 'KEEPTTL'] : ['SET', key, value]);
    }
    return reply;
  },
});
