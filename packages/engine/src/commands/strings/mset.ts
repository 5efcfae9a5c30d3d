import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { wrongArity } from '../../errors.js';
import { CommandError, OK } from '../../reply.js';

/** MSET key value [key value …]: sets every pair (the last wins for a repeated key), dropping TTLs. */
export const mset = defineCommand({
  name: 'mset',
  arity: -3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: -1,
  keyStep: 2,
  handler: (ctx, argv) => {
    if (argv.length % 2 === 0) throw new CommandError(wrongArity('mset'));
    for (let i = 1; i < argv.length; i += 2) ctx.setKey(argv[i] as ByteString, argv[i + 1] as ByteString);
    ctx.propagateAsIs();
    return OK;
  },
});
