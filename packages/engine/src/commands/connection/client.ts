import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { CommandError, OK, type Reply } from '../../reply.js';
import { helpReply, runSubcommand, type Subcommand } from '../server/subcommands.js';

const HELP_LINES = [
  'SETINFO <option> <value>',
  '    Set client meta attr. Options are:',
  '    * LIB-NAME: the client lib name.',
  '    * LIB-VER: the client lib version.',
];

/** Redis 7.2's rule for LIB-NAME and LIB-VER: printable ASCII, no spaces. */
function validInfoValue(value: ByteString): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/**
 * CLIENT SETINFO LIB-NAME|LIB-VER value: checked as Redis checks it and answered OK. Over REST there
 * is no connection to attach it to, so nothing is kept.
 */
function setinfo(_ctx: ExecContext, argv: readonly ByteString[]): Reply {
  const option = (argv[2] as ByteString).toLowerCase();
  if (option !== 'lib-name' && option !== 'lib-ver') {
    throw new CommandError(`ERR Unrecognized option '${argv[2] as ByteString}'`);
  }
  if (!validInfoValue(argv[3] as ByteString)) {
    throw new CommandError(`ERR ${option} cannot contain spaces, newlines or special characters.`);
  }
  return OK;
}

const SUBCOMMANDS: ReadonlyMap<string, Subcommand> = new Map<string, Subcommand>([
  ['setinfo', { arity: 4, handler: setinfo }],
  ['help', { arity: 2, handler: () => helpReply('client', HELP_LINES) }],
]);

/** CLIENT: only the subcommands that make sense without a connection (SETINFO, HELP). */
export const client = defineCommand({
  name: 'client',
  arity: -2,
  flags: ['noscript'],
  handler: (ctx, argv) => runSubcommand('client', SUBCOMMANDS, ctx, argv),
});
