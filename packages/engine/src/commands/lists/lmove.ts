import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { moveCommand, parseListEnd } from './list-access.js';

/** LMOVE source destination LEFT|RIGHT LEFT|RIGHT: the element moved, nil for a missing source. */
export const lmove = defineCommand({
  name: 'lmove',
  arity: 5,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 2,
  keyStep: 1,
  handler: (ctx, argv) => {
    const from = parseListEnd(argv[3] as ByteString);
    const to = parseListEnd(argv[4] as ByteString);
    return moveCommand(ctx, argv[1] as ByteString, argv[2] as ByteString, from, to);
  },
});
