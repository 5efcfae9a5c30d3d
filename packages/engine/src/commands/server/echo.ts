import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';

export const echo = defineCommand({
  name: 'echo',
  arity: 2,
  flags: [],
  handler: (_ctx, argv) => argv[1] as ByteString,
});
