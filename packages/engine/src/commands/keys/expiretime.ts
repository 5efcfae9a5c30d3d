import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { expireTimeGeneric } from './key-expiry.js';

/** EXPIRETIME key: the absolute expiry in unix seconds; -2 when the key is missing, -1 when it has no TTL. */
export const expiretime = defineCommand({
  name: 'expiretime',
  arity: 2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => expireTimeGeneric(ctx, argv[1] as ByteString, false),
});
