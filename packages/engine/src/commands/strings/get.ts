import { defineCommand } from '../../command.js';
import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { readString } from './string-access.js';

/** The string at `key`, undefined when absent; WRONGTYPE for other types. */
export function getString(ctx: ExecContext, key: ByteString): ByteString | undefined {
  return readString(ctx, key);
}

export const get = defineCommand({
  name: 'get',
  arity: 2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    return getString(ctx, argv[1] as ByteString) ?? null;
  },
});
