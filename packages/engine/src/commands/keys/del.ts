import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';

/** Deletes the keys at argv[1..]; replicated as DEL of the keys that existed. */
export function deleteKeys(ctx: ExecContext, argv: readonly ByteString[]): number {
  const removed: ByteString[] = [];
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i] as ByteString;
    if (ctx.lookup(key) !== undefined && ctx.deleteKey(key)) removed.push(key);
  }
  if (removed.length > 0) ctx.propagate(['DEL', ...removed]);
  return removed.length;
}

/** DEL key [key …]: the number of keys removed. */
export const del = defineCommand({
  name: 'del',
  arity: -2,
  flags: ['write'],
  firstKey: 1,
  lastKey: -1,
  keyStep: 1,
  handler: deleteKeys,
});
