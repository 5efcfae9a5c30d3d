import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { expireTimeGeneric } from './key-expiry.js';

/** PEXPIRETIME key: the absolute expiry in unix milliseconds; -2 when the key is missing, -1 when it has no TTL. */
export const pexpiretime = defineCommand({
  name: 'pexpiretime',
  arity: 2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => expireTimeGeneric(ctx, argv[1] as ByteString, true),
});
