import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { Reply } from '../../reply.js';
import { fieldValue, readHash } from './hash-access.js';

/** HMGET key field [field …]: one value or nil per field (all nil for a missing key). */
export const hmget = defineCommand({
  name: 'hmget',
  arity: -3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const hash = readHash(ctx, argv[1] as ByteString);
    const fields = argv.slice(2);
    if (hash === undefined) return fields.map(() => null);
    return fields.map((field) => fieldValue(ctx, hash, field) ?? null);
  },
});
