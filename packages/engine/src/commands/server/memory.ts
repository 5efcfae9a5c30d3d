import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX } from '../../errors.js';
import { parseInteger } from '../../parse.js';
import { CommandError, OK, type Reply } from '../../reply.js';
import { datasetBytes, keyBytes } from './memory-size.js';
import { helpReply, runSubcommand, type Subcommand } from './subcommands.js';

const DEFAULT_SAMPLES = 5;

const HELP_LINES = [
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

/** MEMORY USAGE key [SAMPLES count]: approximate bytes, nil for a missing key. */
function memoryUsage(ctx: ExecContext, argv: readonly ByteString[]): Reply {
  let samples = DEFAULT_SAMPLES;
  for (let i = 3; i < argv.length; i++) {
    if ((argv[i] as ByteString).toLowerCase() === 'samples' && i + 1 < argv.length) {
      const count = parseInteger(argv[i + 1] as ByteString);
      if (count === null) throw new CommandError(ERR_NOT_INTEGER);
      if (count < 0) throw new CommandError(ERR_SYNTAX);
      samples = count;
      i++;
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  const key = argv[2] as ByteString;
  const value = ctx.lookup(key);
  return value === undefined ? null : keyBytes(key, value, samples);
}

function memoryStats(ctx: ExecContext): Reply {
  const dataset = datasetBytes(ctx.db);
  return ['keys.count', ctx.db.data.size, 'dataset.bytes', dataset, 'total.allocated', dataset];
}

const subcommands: ReadonlyMap<string, Subcommand> = new Map<string, Subcommand>([
  ['usage', { arity: -3, handler: memoryUsage }],
  ['stats', { arity: 2, handler: memoryStats }],
  [
    'doctor',
    {
      arity: 2,
      handler: () =>
        "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.",
    },
  ],
  ['malloc-stats', { arity: 2, handler: () => 'Stats not supported for the current allocator' }],
  ['purge', { arity: 2, handler: () => OK }],
  ['help', { arity: 2, handler: () => helpReply('memory', HELP_LINES) }],
]);

/** MEMORY USAGE|STATS|DOCTOR|MALLOC-STATS|PURGE|HELP, with approximate sizes. */
export const memory = defineCommand({
  name: 'memory',
  arity: -2,
  flags: ['readonly'],
  keys: (argv) => (argv.length >= 3 && (argv[1] ?? '').toLowerCase() === 'usage' ? [2] : []),
  handler: (ctx, argv) => runSubcommand('memory', subcommands, ctx, argv),
});
