import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { CommandError, OK, type Reply } from '../../reply.js';
import { sha1Hex } from '../../scripting.js';
import { helpReply, runSubcommand, type Subcommand } from '../server/subcommands.js';

const HELP_LINES = [
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
];

/** A flush mode argument: ASYNC or SYNC (both flush at once here). */
export function checkFlushMode(argv: readonly ByteString[], at: number, error: string): void {
  const mode = argv[at]?.toLowerCase();
  if (argv.length > at + 1 || (mode !== undefined && mode !== 'async' && mode !== 'sync'))
    throw new CommandError(error);
}

const subcommands = new Map<string, Subcommand>([
  [
    'load',
    {
      arity: 3,
      handler: (ctx, argv): Reply => {
        const body = argv[2] as ByteString;
        const sha = sha1Hex(body);
        if (!ctx.engine.scripts.scripts.has(sha)) {
          const error = ctx.applying ? undefined : ctx.engine.scriptRunner?.checkScript(body);
          if (error !== undefined) throw new CommandError(error);
          ctx.engine.scripts.scripts.set(sha, body);
        }
        ctx.propagateAsIs();
        return sha;
      },
    },
  ],
  [
    'exists',
    {
      arity: -3,
      handler: (ctx, argv) => argv.slice(2).map((sha) => (ctx.engine.scripts.scripts.has(sha.toLowerCase()) ? 1 : 0)),
    },
  ],
  [
    'flush',
    {
      arity: -2,
      handler: (ctx, argv) => {
        checkFlushMode(argv, 2, 'ERR SCRIPT FLUSH only support SYNC|ASYNC option');
        ctx.engine.scripts.scripts.clear();
        ctx.engine.scriptRunner?.forget();
        ctx.propagate(['SCRIPT', 'FLUSH']);
        return OK;
      },
    },
  ],
  [
    'kill',
    {
      arity: 2,
      handler: () => {
        throw new CommandError('NOTBUSY No scripts in execution right now.');
      },
    },
  ],
  ['help', { arity: 2, handler: () => helpReply('SCRIPT', HELP_LINES) }],
]);

/** SCRIPT LOAD|EXISTS|FLUSH|KILL|HELP. LOAD and FLUSH travel in the write log, so every region knows the same scripts. */
export const script = defineCommand({
  name: 'script',
  arity: -2,
  flags: ['write', 'script', 'noscript'],
  handler: (ctx, argv) => runSubcommand('script', subcommands, ctx, argv),
});
