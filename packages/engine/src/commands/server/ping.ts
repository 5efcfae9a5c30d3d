import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { wrongArity } from '../../errors.js';
import { CommandError, PONG } from '../../reply.js';

export const ping = defineCommand({
  name: 'ping',
  arity: -1,
  flags: [],
  handler: (_ctx, argv) => {
    if (argv.length > 2) throw new CommandError(wrongArity('ping'));
    return argv.length === 2 ? (argv[1] as ByteString) : PONG;
  },
});
