import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_SYNTAX } from '../../errors.js';
import { requireInteger } from '../../parse.js';
import { CommandError } from '../../reply.js';
import type { StreamId, StreamValue } from '../../types/stream.js';
import { type ParsedId, parseStreamIdFull } from './stream-id.js';

/** Redis trims `~` requests by at most 100 × stream-node-max-entries (100) entries unless LIMIT says otherwise. */
const APPROX_TRIM_LIMIT_DEFAULT = 10_000;

export interface TrimArgs {
  strategy: 'maxlen' | 'minid' | undefined;
  maxLength: number;
  minId: StreamId;
  approximate: boolean;
  /** Most entries one trim removes; 0 = no limit. */
  limit: number;
  noMkStream: boolean;
  /** XADD's ID; undefined for `*`. */
  id: ParsedId | undefined;
  /** Index of the first field (XADD) or argc (XTRIM). */
  nextIndex: number;
}

/** Redis's streamParseAddOrTrimArgsOrReply, for XADD (`xadd`) and XTRIM, with its error texts. */
export function parseAddOrTrimArgs(ctx: ExecContext, argv: readonly ByteString[], xadd: boolean): TrimArgs {
  const args: TrimArgs = {
    strategy: undefined,
    maxLength: 0,
    minId: 0n,
    approximate: false,
    limit: 0,
    noMkStream: false,
    id: undefined,
    nextIndex: argv.length,
  };
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const moreArgs = argv.length - 1 - i;
    const text = argv[i] as ByteString;
    const name = text.toLowerCase();
    if (xadd && text === '*') break;
    if ((name === 'maxlen' || name === 'minid') && moreArgs > 0) {
      if (args.strategy !== undefined) {
        throw new CommandError('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      }
      args.approximate = false;
      const next = argv[i + 1] as ByteString;
      if (moreArgs >= 2 && (next === '~' || next === '=')) {
        args.approximate = next === '~';
        i++;
      }
      const value = argv[i + 1] as ByteString;
      if (name === 'maxlen') {
        args.maxLength = requireInteger(value);
        if (args.maxLength < 0) throw new CommandError('ERR The MAXLEN argument must be >= 0.');
      } else {
        args.minId = parseStreamIdFull(value, { strict: true }).id;
      }
      args.strategy = name;
      i++;
    } else if (name === 'limit' && moreArgs > 0) {
      args.limit = requireInteger(argv[i + 1] as ByteString);
      if (args.limit < 0) throw new CommandError('ERR The LIMIT argument must be >= 0.');
      limitGiven = true;
      i++;
    } else if (xadd && name === 'nomkstream') {
      args.noMkStream = true;
    } else if (xadd) {
      args.id = parseStreamIdFull(text, { strict: true, seqStar: true });
      break;
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  args.nextIndex = i + 1;
  checkTrimCombination(ctx, args, limitGiven, xadd);
  return args;
}

function checkTrimCombination(ctx: ExecContext, args: TrimArgs, limitGiven: boolean, xadd: boolean): void {
  if (args.limit !== 0 && args.strategy === undefined) {
    throw new CommandError('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
  }
  if (!xadd && args.strategy === undefined) {
    throw new CommandError('ERR syntax error, XTRIM must be called with a trimming strategy');
  }
  if (ctx.applying) {
    args.limit = 0;
  } else if (limitGiven) {
    if (!args.approximate)
      throw new CommandError('ERR syntax error, LIMIT cannot be used without the special ~ option');
  } else {
    args.limit = args.approximate ? APPROX_TRIM_LIMIT_DEFAULT : 0;
  }
}

/**
 * Trims the head of the stream. `~` trims like `=` here, so the result is exactly the target
 * (Upstash's "within one entry"), still bounded by LIMIT.
 */
export function trimStream(stream: StreamValue, args: TrimArgs): number {
  if (args.strategy === 'maxlen') {
    const maxLength = args.maxLength;
    return stream.trimHead((_id, length) => length > maxLength, args.limit);
  }
  if (args.strategy === 'minid') {
    const minId = args.minId;
    return stream.trimHead((id) => id < minId, args.limit);
  }
  return 0;
}

/** The deterministic effect of a trim: the exact length it left. */
export function trimEffect(key: ByteString, stream: StreamValue): ByteString[] {
  return ['XTRIM', key, 'MAXLEN', '=', String(stream.length)];
}
