import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { wrongArity, unknownSubcommand } from '../../errors.js';
import { globMatch } from '../../glob.js';
import { CommandError, type Reply } from '../../reply.js';

const HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'HELP',
  '    Print this help.',
];

/** PUBSUB CHANNELS [pattern] | NUMSUB [channel…] | NUMPAT | HELP — about this node's subscribers. */
export const pubsub = defineCommand({
  name: 'pubsub',
  arity: -2,
  flags: ['readonly', 'pubsub'],
  handler: (ctx, argv): Reply => {
    const host = ctx.engine.host;
    const sub = (argv[1] as ByteString).toLowerCase();
    if (sub === 'help' && argv.length === 2) return HELP;
    if (sub === 'channels' && argv.length <= 3) {
      const pattern = argv[2];
      const channels = host.pubsubChannels?.() ?? [];
      return pattern === undefined ? channels : channels.filter((channel) => globMatch(pattern, channel));
    }
    if (sub === 'numsub') {
      const out: Reply[] = [];
      for (const channel of argv.slice(2)) out.push(channel, host.pubsubSubscribers?.(channel) ?? 0);
      return out;
    }
    if (sub === 'numpat' && argv.length === 2) return host.pubsubPatterns?.() ?? 0;
    if (sub === 'channels') {
      throw new CommandError(
        `ERR unknown subcommand or wrong number of arguments for '${argv[1] as ByteString}'. Try PUBSUB HELP.`,
      );
    }
    if (sub === 'help' || sub === 'numpat') throw new CommandError(wrongArity(`pubsub|${sub}`));
    throw new CommandError(unknownSubcommand(argv[1] as ByteString, 'pubsub'));
  },
});
