import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { CommandError, type Reply } from '../../reply.js';
import type { Value } from '../../value.js';
import { helpReply, runSubcommand, type Subcommand } from '../server/subcommands.js';
import { encodingOf, refcountOf } from './encoding.js';

const LFU_NOT_SELECTED =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

const HELP_LINES = [
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
];

/** A subcommand on an existing key; nil when the key is missing, as Redis answers. */
function onKey(answer: (value: Value) => Reply): Subcommand {
  return {
    arity: 3,
    handler: (ctx: ExecContext, argv: readonly ByteString[]) => {
      const value = ctx.lookup(argv[2] as ByteString);
      return value === undefined ? null : answer(value);
    },
  };
}

const subcommands: ReadonlyMap<string, Subcommand> = new Map([
  ['encoding', onKey((value) => encodingOf(value))],
  ['refcount', onKey((value) => refcountOf(value))],
  // Access times are not tracked (they would make replicas diverge from the primary's digest).
  ['idletime', onKey(() => 0)],
  [
    'freq',
    onKey(() => {
      throw new CommandError(LFU_NOT_SELECTED);
    }),
  ],
  ['help', { arity: 2, handler: () => helpReply('object', HELP_LINES) }],
]);

const KEYED_SUBCOMMANDS = new Set(['encoding', 'refcount', 'idletime', 'freq']);

/** OBJECT ENCODING|REFCOUNT|IDLETIME|FREQ key, OBJECT HELP. */
export const object = defineCommand({
  name: 'object',
  arity: -2,
  flags: ['readonly'],
  keys: (argv) => (argv.length >= 3 && KEYED_SUBCOMMANDS.has((argv[1] ?? '').toLowerCase()) ? [2] : []),
  handler: (ctx, argv) => runSubcommand('object', subcommands, ctx, argv),
});
