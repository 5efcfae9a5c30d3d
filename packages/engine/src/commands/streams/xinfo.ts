import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { ERR_NO_SUCH_KEY, unknownSubcommand, wrongArity } from '../../errors.js';
import { requireInteger } from '../../parse.js';
import { CommandError, type Reply } from '../../reply.js';
import { type ConsumerGroup, formatStreamId, type StreamValue } from '../../types/stream.js';
import { groupLag } from './entries-read.js';
import { helpReply, subcommandSyntaxError } from './help.js';
import { counterReply, entryReply, noGroupNamed, readStream } from './stream-access.js';

const SUBCOMMAND_ARITY = new Map<string, number>([
  ['stream', -3],
  ['groups', 3],
  ['consumers', 4],
  ['help', 2],
]);

const HELP = [
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
];

/** Entries per radix-tree node in Redis (stream-node-max-entries); only used to estimate the tree's size. */
const ENTRIES_PER_NODE = 100;

function header(stream: StreamValue): Reply[] {
  const keys = Math.ceil(stream.length / ENTRIES_PER_NODE);
  return [
    'length',
    stream.length,
    'radix-tree-keys',
    keys,
    'radix-tree-nodes',
    keys + 1,
    'last-generated-id',
    formatStreamId(stream.lastId),
    'max-deleted-entry-id',
    formatStreamId(stream.maxDeletedId),
    'entries-added',
    counterReply(stream.entriesAdded),
    'recorded-first-entry-id',
    formatStreamId(stream.firstId()),
  ];
}

function entriesReadReply(group: ConsumerGroup): Reply {
  return group.entriesRead === null ? null : counterReply(group.entriesRead);
}

function lagReply(stream: StreamValue, group: ConsumerGroup): Reply {
  const lag = groupLag(stream, group);
  return lag === null ? null : counterReply(lag);
}

function fullGroup(stream: StreamValue, name: ByteString, group: ConsumerGroup, limit: number): Reply {
  const pending: Reply[] = [];
  for (const [id, entry] of group.pending.entries()) {
    if (pending.length >= limit) break;
    pending.push([formatStreamId(id), entry.consumer.name, entry.deliveryTimeMs, entry.deliveryCount]);
  }
  const consumers = group.sortedConsumers().map((consumer): Reply => {
    const owned: Reply[] = [];
    for (const [id, entry] of consumer.pending.entries()) {
      if (owned.length >= limit) break;
      owned.push([formatStreamId(id), entry.deliveryTimeMs, entry.deliveryCount]);
    }
    return [
      'name',
      consumer.name,
      'seen-time',
      consumer.seenTimeMs,
      'pel-count',
      consumer.pending.size,
      'pending',
      owned,
    ];
  });
  return [
    'name',
    name,
    'last-delivered-id',
    formatStreamId(group.lastId),
    'entries-read',
    entriesReadReply(group),
    'lag',
    lagReply(stream, group),
    'pel-count',
    group.pending.size,
    'pending',
    pending,
    'consumers',
    consumers,
  ];
}

function streamInfo(stream: StreamValue, argv: readonly ByteString[]): Reply {
  if (argv.length === 3) {
    const first = stream.first();
    const last = stream.last();
    return [
      ...header(stream),
      'groups',
      stream.groups.size,
      'first-entry',
      first === undefined ? null : entryReply(first),
      'last-entry',
      last === undefined ? null : entryReply(last),
    ];
  }
  let count = 10;
  const fullOk = argv.length === 4 || argv.length === 6;
  if (!fullOk || (argv[3] as ByteString).toLowerCase() !== 'full')
    throw new CommandError(subcommandSyntaxError(argv[1] as ByteString, 'XINFO'));
  if (argv.length === 6) {
    if ((argv[4] as ByteString).toLowerCase() !== 'count')
      throw new CommandError(subcommandSyntaxError(argv[1] as ByteString, 'XINFO'));
    count = requireInteger(argv[5] as ByteString);
    if (count < 0) count = 10;
  }
  const limit = count === 0 ? Infinity : count;
  const entries = stream.range(0n, (1n << 128n) - 1n, limit).map(entryReply);
  const groups = stream.sortedGroups().map(([name, group]) => fullGroup(stream, name, group, limit));
  return [...header(stream), 'entries', entries, 'groups', groups];
}

function groupsInfo(stream: StreamValue): Reply {
  return stream
    .sortedGroups()
    .map(([name, group]): Reply => [
      'name',
      name,
      'consumers',
      group.consumers.size,
      'pending',
      group.pending.size,
      'last-delivered-id',
      formatStreamId(group.lastId),
      'entries-read',
      entriesReadReply(group),
      'lag',
      lagReply(stream, group),
    ]);
}

function consumersInfo(ctx: ExecContext, stream: StreamValue, key: ByteString, groupName: ByteString): Reply {
  const group = stream.groups.get(groupName);
  if (group === undefined) throw noGroupNamed(key, groupName);
  return group
    .sortedConsumers()
    .map((consumer): Reply => [
      'name',
      consumer.name,
      'pending',
      consumer.pending.size,
      'idle',
      Math.max(0, ctx.nowMs - consumer.seenTimeMs),
    ]);
}

/** XINFO STREAM key [FULL [COUNT n]] | GROUPS key | CONSUMERS key group | HELP, in Redis 7.0's reply shapes. */
export const xinfo = defineCommand({
  name: 'xinfo',
  arity: -2,
  flags: ['readonly'],
  firstKey: 2,
  lastKey: 2,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const typed = argv[1] as ByteString;
    const subcommand = typed.toLowerCase();
    const arity = SUBCOMMAND_ARITY.get(subcommand);
    if (arity === undefined) throw new CommandError(unknownSubcommand(typed, 'xinfo'));
    if (arity >= 0 ? argv.length !== arity : argv.length < -arity)
      throw new CommandError(wrongArity(`xinfo|${subcommand}`));
    if (subcommand === 'help') return helpReply('XINFO', HELP);
    const key = argv[2] as ByteString;
    const stream = readStream(ctx, key);
    if (stream === undefined) throw new CommandError(ERR_NO_SUCH_KEY);
    if (subcommand === 'stream') return streamInfo(stream, argv);
    if (subcommand === 'groups') return groupsInfo(stream);
    return consumersInfo(ctx, stream, key, argv[3] as ByteString);
  },
});
