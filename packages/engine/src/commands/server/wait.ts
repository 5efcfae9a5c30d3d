import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { requireInteger } from '../../parse.js';
import { CommandError } from '../../reply.js';

const ERR_WAIT_ON_REPLICA =
  'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.';

/**
 * WAIT numreplicas timeout. The engine cannot block and knows no replicas: it checks the arguments
 * as Redis does and answers 0. A node intercepts WAIT before the engine and answers with the
 * replicas that acknowledged its write log (inside a transaction, at once, as Redis does in MULTI).
 */
export const wait = defineCommand({
  name: 'wait',
  arity: 3,
  flags: ['noscript', 'standardtoken'],
  facts: ['primary'],
  handler: (ctx, argv) => {
    if (ctx.role === 'replica') throw new CommandError(ERR_WAIT_ON_REPLICA);
    requireInteger(argv[1] as ByteString);
    const timeoutMs = requireInteger(argv[2] as ByteString, 'ERR timeout is not an integer or out of range');
    if (timeoutMs < 0) throw new CommandError('ERR timeout is negative');
    return 0;
  },
});
