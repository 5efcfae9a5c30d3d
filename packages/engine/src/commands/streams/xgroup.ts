import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { unknownSubcommand, wrongArity } from '../../errors.js';
import { requireInteger } from '../../parse.js';
import { CommandError, OK, type Reply } from '../../reply.js';
import { ConsumerGroup, formatStreamId, type StreamId, StreamValue } from '../../types/stream.js';
import { helpReply, subcommandSyntaxError } from './help.js';
import { noGroupNamed, propagateConsumerTimes, writableStream } from './stream-access.js';
import { parseStreamId, parseStrictStreamId } from './stream-id.js';

const SUBCOMMAND_ARITY = new Map<string, number>([
  ['create', -5],
  ['setid', -5],
  ['destroy', 4],
  ['createconsumer', 5],
  ['delconsumer', 5],
  ['help', 2],
  ['consumertimes', 7],
]);

const HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

interface GroupOptions {
  mkStream: boolean;
  /** null = not given or -1 (unknown). */
  entriesRead: bigint | null;
}

function parseGroupOptions(argv: readonly ByteString[], subcommand: string): GroupOptions {
  const options: GroupOptions = { mkStream: false, entriesRead: null };
  if (subcommand !== 'create' && subcommand !== 'setid') return options;
  for (let i = 5; i < argv.length; i++) {
    const name = (argv[i] as ByteString).toLowerCase();
    if (subcommand === 'create' && name === 'mkstream') {
      options.mkStream = true;
    } else if (name === 'entriesread' && i + 1 < argv.length) {
      const value = requireInteger(argv[++i] as ByteString);
      if (value < -1) throw new CommandError('ERR value for ENTRIESREAD must be positive or -1');
      options.entriesRead = value === -1 ? null : BigInt(argv[i] as ByteString);
    } else {
      throw new CommandError(subcommandSyntaxError(argv[1] as ByteString, 'XGROUP'));
    }
  }
  return options;
}

function entriesReadArgs(entriesRead: bigint | null): ByteString[] {
  return entriesRead === null ? [] : ['ENTRIESREAD', entriesRead.toString()];
}

function create(
  ctx: ExecContext,
  argv: readonly ByteString[],
  stream: StreamValue | undefined,
  options: GroupOptions,
): Reply {
  if (argv.length > 8) throw new CommandError(subcommandSyntaxError(argv[1] as ByteString, 'XGROUP'));
  const [key, name] = [argv[2] as ByteString, argv[3] as ByteString];
  const idText = argv[4] as ByteString;
  const id: StreamId = idText === '$' ? (stream?.lastId ?? 0n) : parseStrictStreamId(idText);
  let target = stream;
  if (target === undefined) {
    target = new StreamValue();
    ctx.addKey(key, target);
  }
  if (target.groups.has(name)) throw new CommandError('BUSYGROUP Consumer Group name already exists');
  target.groups.set(name, new ConsumerGroup(id, options.entriesRead));
  const mkStream = stream === undefined ? ['MKSTREAM'] : [];
  ctx.propagate([
    'XGROUP',
    'CREATE',
    key,
    name,
    formatStreamId(id),
    ...entriesReadArgs(options.entriesRead),
    ...mkStream,
  ]);
  return OK;
}

function setId(
  ctx: ExecContext,
  argv: readonly ByteString[],
  stream: StreamValue,
  group: ConsumerGroup,
  options: GroupOptions,
): Reply {
  if (argv.length !== 5 && argv.length !== 7)
    throw new CommandError(subcommandSyntaxError(argv[1] as ByteString, 'XGROUP'));
  const idText = argv[4] as ByteString;
  group.lastId = idText === '$' ? stream.lastId : parseStreamId(idText);
  group.entriesRead = options.entriesRead;
  const [key, name] = [argv[2] as ByteString, argv[3] as ByteString];
  ctx.propagate(['XGROUP', 'SETID', key, name, formatStreamId(group.lastId), ...entriesReadArgs(group.entriesRead)]);
  return OK;
}

function consumerSubcommand(
  ctx: ExecContext,
  argv: readonly ByteString[],
  subcommand: string,
  group: ConsumerGroup,
): Reply {
  const [key, groupName, consumerName] = [argv[2] as ByteString, argv[3] as ByteString, argv[4] as ByteString];
  if (subcommand === 'createconsumer') {
    const [consumer, created] = group.ensureConsumer(consumerName, ctx.nowMs);
    if (created) propagateConsumerTimes(ctx, key, groupName, consumer);
    return created ? 1 : 0;
  }
  if (subcommand === 'delconsumer') {
    const pending = group.deleteConsumer(consumerName);
    if (pending < 0) return 0;
    ctx.propagate(['XGROUP', 'DELCONSUMER', key, groupName, consumerName]);
    return pending;
  }
  // consumertimes: effect-only, see propagateConsumerTimes.
  const consumer = group.ensureConsumer(consumerName, ctx.nowMs)[0];
  consumer.seenTimeMs = requireInteger(argv[5] as ByteString);
  consumer.activeTimeMs = requireInteger(argv[6] as ByteString);
  return OK;
}

/** Everything but HELP: options, key and group checks in Redis's order, then the subcommand. */
function groupSubcommand(ctx: ExecContext, argv: readonly ByteString[], subcommand: string): Reply {
  const options = parseGroupOptions(argv, subcommand);
  const key = argv[2] as ByteString;
  const stream = writableStream(ctx, key);
  const group = stream?.groups.get(argv[3] as ByteString);
  if (!options.mkStream) {
    if (stream === undefined) {
      throw new CommandError(
        'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
      );
    }
    if (group === undefined && subcommand !== 'create' && subcommand !== 'destroy') {
      throw noGroupNamed(key, argv[3] as ByteString);
    }
  }
  if (subcommand === 'create') return create(ctx, argv, stream, options);
  if (stream === undefined || group === undefined) {
    return 0;
  }
  if (subcommand === 'setid') return setId(ctx, argv, stream, group, options);
  if (subcommand === 'destroy') {
    stream.groups.delete(argv[3] as ByteString);
    ctx.propagateAsIs();
    return 1;
  }
  return consumerSubcommand(ctx, argv, subcommand, group);
}

/** XGROUP CREATE | SETID | DESTROY | CREATECONSUMER | DELCONSUMER | HELP. */
export const xgroup = defineCommand({
  name: 'xgroup',
  arity: -2,
  flags: ['write'],
  denyoomIf: (argv) => {
    const sub = (argv[1] ?? '').toLowerCase();
    return sub === 'create' || sub === 'createconsumer';
  },
  firstKey: 2,
  lastKey: 2,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const typed = argv[1] as ByteString;
    const subcommand = typed.toLowerCase();
    const arity = SUBCOMMAND_ARITY.get(subcommand);
    if (arity === undefined || (subcommand === 'consumertimes' && !ctx.applying)) {
      throw new CommandError(unknownSubcommand(typed, 'xgroup'));
    }
    if (arity >= 0 ? argv.length !== arity : argv.length < -arity)
      throw new CommandError(wrongArity(`xgroup|${subcommand}`));
    if (subcommand === 'help') return helpReply('XGROUP', HELP);
    return groupSubcommand(ctx, argv, subcommand);
  },
});
