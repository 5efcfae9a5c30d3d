import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';

/**
 * PUBLISH channel message. Flagged write so routers and replicas send it to the primary, where it
 * enters the write log as it is: the replication stream carries it, in order with the writes before
 * it, to every region, and each node delivers it to its own subscribers (on replicas while applying).
 * The reply counts the receivers at the node that ran it (see docs/pubsub.md).
 */
export const publish = defineCommand({
  name: 'publish',
  arity: 3,
  flags: ['write', 'pubsub'],
  facts: ['primary'],
  handler: (ctx, argv) => {
    ctx.propagateAsIs();
    return ctx.engine.host.publish?.(argv[1] as ByteString, argv[2] as ByteString) ?? 0;
  },
});
