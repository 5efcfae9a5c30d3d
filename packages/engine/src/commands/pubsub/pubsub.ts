import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { wrongArity, unknownSubcommand } from '../../errors.js';
import { globMatch } from '../../glob.js';
import { CommandError, type Reply, SimpleString } from '../../reply.js';

/** Redis 7.0's text, as status replies. */
const HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
].map((line) => new SimpleString(line));

/**
 * PUBSUB CHANNELS [pattern] | NUMSUB [channel…] | NUMPAT | SHARDCHANNELS | SHARDNUMSUB | HELP.
 * Describes the subscribers of the node that answers (as Redis Cluster's PUBSUB describes one node);
 * sharded pub/sub is not offered, so the SHARD forms always report none.
 */
export const pubsub = defineCommand({
  name: 'pubsub',
  arity: -2,
  flags: ['readonly', 'pubsub'],
  handler: (ctx, argv): Reply => {
    const host = ctx.engine.host;
    const sub = (argv[1] as ByteString).toLowerCase();
    const argc = argv.length;
    if (sub === 'help' && argc === 2) return HELP;
    if ((sub === 'channels' || sub === 'shardchannels') && argc <= 3) {
      const pattern = argv[2];
      const channels = sub === 'channels' ? (host.pubsubChannels?.() ?? []) : [];
      return pattern === undefined ? channels : channels.filter((channel) => globMatch(pattern, channel));
    }
    if (sub === 'numsub' || sub === 'shardnumsub') {
      const out: Reply[] = [];
      for (const channel of argv.slice(2)) {
        out.push(channel, sub === 'numsub' ? (host.pubsubSubscribers?.(channel) ?? 0) : 0);
      }
      return out;
    }
    if (sub === 'numpat' && argc === 2) return host.pubsubPatterns?.() ?? 0;
    if (sub === 'channels' || sub === 'shardchannels') {
      throw new CommandError(
        `ERR unknown subcommand or wrong number of arguments for '${argv[1] as ByteString}'. Try PUBSUB HELP.`,
      );
    }
    if (sub === 'help' || sub === 'numpat') throw new CommandError(wrongArity(`pubsub|${sub}`));
    throw new CommandError(unknownSubcommand(argv[1] as ByteString, 'pubsub'));
  },
});
