import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { wrongArity } from '../../errors.js';
import { CommandError } from '../../reply.js';

/** MSETNX key value [key value …]: sets all pairs and answers 1, or sets nothing and answers 0 if any key exists. */
export const msetnx = defineCommand({
  name: 'msetnx',
  arity: -3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: -1,
  keyStep: 2,
  handler: (ctx, argv) => {
    if (argv.length % 2 === 0) throw new CommandError(wrongArity('msetnx'));
    for (let i = 1; i < argv.length; i += 2) {
      if (ctx.exists(argv[i] as ByteString)) return 0;
    }
    for (let i = 1; i < argv.length; i += 2) ctx.setKey(argv[i] as ByteString, argv[i + 1] as ByteString);
    ctx.propagate(['MSET', ...argv.slice(1)]);
    return 1;
  },
});
