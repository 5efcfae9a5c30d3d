import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { ERR_SYNTAX } from '../../errors.js';
import { globMatch } from '../../glob.js';
import type { ExecContext } from '../../context.js';
import { CommandError, OK } from '../../reply.js';
import { helpReply, runSubcommand, type Subcommand } from './subcommands.js';

/** The parameters CONFIG GET reports; all are fixed in Meridian. */
const PARAMETERS: ReadonlyMap<string, string> = new Map([
  ['databases', '1'],
  ['maxmemory', '0'],
  ['maxmemory-policy', 'noeviction'],
  ['save', ''],
  ['appendonly', 'no'],
  ['timeout', '0'],
  ['proto-max-bulk-len', '536870912'],
  ['notify-keyspace-events', ''],
  ['hash-max-listpack-entries', '128'],
  ['hash-max-listpack-value', '64'],
  ['set-max-intset-entries', '512'],
  ['zset-max-listpack-entries', '128'],
  ['zset-max-listpack-value', '64'],
  ['list-max-listpack-size', '-2'],
]);

const HELP_LINES = [
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
];

/** The parameters with this engine's values (maxmemory and its policy are set per node). */
function parametersOf(ctx: ExecContext): ReadonlyMap<string, string> {
  const { maxMemoryBytes, policy } = ctx.engine.memoryLimit;
  return new Map([...PARAMETERS, ['maxmemory', String(maxMemoryBytes)], ['maxmemory-policy', policy]]);
}

/** CONFIG GET pattern [pattern …]: a flat [name, value, …] list, each parameter once. */
function configGet(ctx: ExecContext, argv: readonly ByteString[]): ByteString[] {
  const parameters = parametersOf(ctx);
  const reply: ByteString[] = [];
  const found = new Set<string>();
  for (const pattern of argv.slice(2)) {
    // Redis answers a name without glob characters as it was given, in its case.
    if (!/[*?[]/.test(pattern)) {
      const value = parameters.get(pattern.toLowerCase());
      if (value !== undefined && !found.has(pattern.toLowerCase())) reply.push(pattern, value);
      found.add(pattern.toLowerCase());
      continue;
    }
    for (const [name, value] of parameters) {
      if (!found.has(name) && globMatch(pattern, name, true)) reply.push(name, value);
      if (globMatch(pattern, name, true)) found.add(name);
    }
  }
  return reply;
}

function configSet(argv: readonly ByteString[]): never {
  if (argv.length % 2 !== 0) throw new CommandError(ERR_SYNTAX);
  const name = argv[2] as ByteString;
  if (PARAMETERS.has(name.toLowerCase())) {
    throw new CommandError(
      `ERR CONFIG SET failed (possibly related to argument '${name}') - can't set immutable config`,
    );
  }
  throw new CommandError(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`);
}

const subcommands: ReadonlyMap<string, Subcommand> = new Map<string, Subcommand>([
  ['get', { arity: -3, handler: (ctx, argv) => configGet(ctx, argv) }],
  ['set', { arity: -4, handler: (_ctx, argv) => configSet(argv) }],
  [
    'resetstat',
    {
      arity: 2,
      handler: (ctx) => {
        ctx.stats.commandsProcessed = 0;
        ctx.stats.keyspaceHits = 0;
        ctx.stats.keyspaceMisses = 0;
        ctx.stats.expiredKeys = 0;
        ctx.stats.expiredFields = 0;
        ctx.stats.evictedKeys = 0;
        return OK;
      },
    },
  ],
  [
    'rewrite',
    {
      arity: 2,
      handler: () => {
        throw new CommandError('ERR The server is running without a config file');
      },
    },
  ],
  ['help', { arity: 2, handler: () => helpReply('config', HELP_LINES) }],
]);

/** CONFIG GET|SET|RESETSTAT|REWRITE|HELP: the configuration is read-only. */
export const config = defineCommand({
  name: 'config',
  arity: -2,
  flags: ['admin', 'dangerous', 'noscript'],
  handler: (ctx, argv) => runSubcommand('config', subcommands, ctx, argv),
});
