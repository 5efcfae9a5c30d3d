import { defineCommand } from '../../command.js';
import { OK } from '../../reply.js';
import { setFieldPairs } from './hset.js';

/** HMSET key field value [field value …]: HSET answering OK (deprecated in Redis, still used). */
export const hmset = defineCommand({
  name: 'hmset',
  arity: -4,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    setFieldPairs(ctx, argv);
    return OK;
  },
});
