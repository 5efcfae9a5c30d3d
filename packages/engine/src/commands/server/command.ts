import type { ByteString } from '../../bytes.js';
import { arityOk, type CommandInfo, commandKeys, defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { ERR_SYNTAX } from '../../errors.js';
import { globMatch } from '../../glob.js';
import { CommandError, type Reply, SimpleString } from '../../reply.js';
import { commandTable, findCommand } from '../index.js';
import { helpReply, runSubcommand, type Subcommand } from './subcommands.js';

const HELP_LINES = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

/** Redis's command flags for ours; `dangerous` is an ACL category in Redis, not a flag. */
function redisFlags(info: CommandInfo): SimpleString[] {
  const flags: string[] = info.flags.filter((flag) => flag !== 'dangerous' && flag !== 'standardtoken');
  if (info.keys !== undefined) flags.push('movablekeys');
  return flags.map((flag) => new SimpleString(flag));
}

function aclCategories(info: CommandInfo): SimpleString[] {
  const categories: string[] = [];
  if (info.isWrite) categories.push('@write');
  if (info.isReadonly) categories.push('@read');
  if (info.flags.includes('admin')) categories.push('@admin');
  if (info.flags.includes('pubsub')) categories.push('@pubsub');
  if (info.isBlocking) categories.push('@blocking');
  if (info.isDangerous) categories.push('@dangerous');
  return categories.map((category) => new SimpleString(category));
}

/** One COMMAND INFO entry in Redis 7.0's ten-element shape (tips, key specs and subcommands empty). */
function describe(info: CommandInfo): Reply {
  const movable = info.keys !== undefined;
  return [
    info.name,
    info.arity,
    redisFlags(info),
    movable ? 0 : info.firstKey,
    movable ? 0 : info.lastKey,
    movable ? 0 : info.keyStep,
    aclCategories(info),
    [],
    [],
    [],
  ];
}

function commandList(argv: readonly ByteString[]): Reply {
  const names = [...commandTable.keys()];
  if (argv.length === 2) return names;
  if (argv.length !== 5 || (argv[2] as ByteString).toLowerCase() !== 'filterby') throw new CommandError(ERR_SYNTAX);
  const filter = (argv[3] as ByteString).toLowerCase();
  const operand = argv[4] as ByteString;
  if (filter === 'pattern') return names.filter((name) => globMatch(operand, name, true));
  if (filter === 'module') return [];
  if (filter === 'aclcat') {
    const category = `@${operand.toLowerCase()}`;
    return names.filter((name) => {
      const info = commandTable.get(name) as CommandInfo;
      return aclCategories(info).some((c) => c.value === category);
    });
  }
  throw new CommandError(ERR_SYNTAX);
}

/** The keys of the command in argv[2..], with Redis's COMMAND GETKEYS errors. */
function keysOf(argv: readonly ByteString[]): ByteString[] {
  const target = argv.slice(2);
  const info = findCommand(target[0] as ByteString);
  if (info === undefined) throw new CommandError('ERR Invalid command specified');
  if (info.firstKey === 0 && info.keys === undefined) throw new CommandError('ERR The command has no key arguments');
  if (!arityOk(info.arity, target.length))
    throw new CommandError('ERR Invalid number of arguments specified for command');
  const keys = commandKeys(info, target);
  if (keys.length === 0) throw new CommandError('ERR Invalid arguments specified for command');
  return keys;
}

function keyFlags(argv: readonly ByteString[]): Reply {
  const info = findCommand(argv[2] as ByteString) as CommandInfo;
  const flags = info.isWrite ? ['RW'] : ['RO'];
  return keysOf(argv).map((key) => [key, flags.map((flag) => new SimpleString(flag))]);
}

function infoOf(ctx: ExecContext, argv: readonly ByteString[]): Reply {
  if (argv.length === 2) return [...commandTable.values()].map(describe);
  return argv.slice(2).map((name) => {
    const info = findCommand(name);
    return info === undefined ? null : describe(info);
  });
}

function docsOf(argv: readonly ByteString[]): Reply {
  const names = argv.length === 2 ? [...commandTable.keys()] : argv.slice(2).map((name) => name.toLowerCase());
  const reply: Reply[] = [];
  for (const name of names) {
    if (commandTable.has(name)) reply.push(name, ['summary', '', 'since', '', 'group', 'generic']);
  }
  return reply;
}

const subcommands: ReadonlyMap<string, Subcommand> = new Map<string, Subcommand>([
  ['count', { arity: 2, handler: () => commandTable.size }],
  ['list', { arity: -2, handler: (_ctx, argv) => commandList(argv) }],
  ['info', { arity: -2, handler: infoOf }],
  ['docs', { arity: -2, handler: (_ctx, argv) => docsOf(argv) }],
  ['getkeys', { arity: -4, handler: (_ctx, argv) => keysOf(argv) }],
  ['getkeysandflags', { arity: -4, handler: (_ctx, argv) => keyFlags(argv) }],
  ['help', { arity: 2, handler: () => helpReply('command', HELP_LINES) }],
]);

/** COMMAND [COUNT|LIST|INFO|DOCS|GETKEYS|GETKEYSANDFLAGS|HELP]: the command table, minimally. */
export const command = defineCommand({
  name: 'command',
  arity: -1,
  flags: [],
  handler: (ctx, argv) =>
    argv.length === 1 ? infoOf(ctx, ['command', 'info']) : runSubcommand('command', subcommands, ctx, argv),
});
