import type { ByteString } from '../../bytes.js';
import { ERR_SYNTAX } from '../../errors.js';
import { requireInteger } from '../../parse.js';
import { CommandError } from '../../reply.js';

export const ERR_BLOCKING_OVER_REST = 'ERR blocking commands are not supported over REST';

export interface ReadArgs {
  /** Most entries per stream; 0 = no limit. */
  count: number;
  group: { name: ByteString; consumer: ByteString } | undefined;
  noAck: boolean;
  keys: ByteString[];
  ids: ByteString[];
}

/** XREAD / XREADGROUP options, in Redis's order of checks. BLOCK is refused: REST cannot wait. */
export function parseReadArgs(argv: readonly ByteString[], readGroup: boolean): ReadArgs {
  const args: ReadArgs = { count: 0, group: undefined, noAck: false, keys: [], ids: [] };
  let streamsIndex = 0;
  for (let i = 1; i < argv.length; i++) {
    const moreArgs = argv.length - i - 1;
    const name = (argv[i] as ByteString).toLowerCase();
    if (name === 'block' && moreArgs > 0) {
      throw new CommandError(ERR_BLOCKING_OVER_REST);
    } else if (name === 'count' && moreArgs > 0) {
      args.count = Math.max(0, requireInteger(argv[++i] as ByteString));
    } else if (name === 'streams' && moreArgs > 0) {
      streamsIndex = i + 1;
      break;
    } else if (name === 'group' && moreArgs >= 2) {
      if (!readGroup)
        throw new CommandError('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      args.group = { name: argv[i + 1] as ByteString, consumer: argv[i + 2] as ByteString };
      i += 2;
    } else if (name === 'noack') {
      if (!readGroup)
        throw new CommandError('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      args.noAck = true;
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  if (streamsIndex === 0) throw new CommandError(ERR_SYNTAX);
  const streamArgs = argv.length - streamsIndex;
  if (streamArgs % 2 !== 0) {
    // Redis 7.0 gives this text for XREADGROUP too.
    throw new CommandError("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
  }
  if (readGroup && args.group === undefined) throw new CommandError('ERR Missing GROUP option for XREADGROUP');
  const half = streamArgs / 2;
  args.keys = argv.slice(streamsIndex, streamsIndex + half);
  args.ids = argv.slice(streamsIndex + half);
  return args;
}
