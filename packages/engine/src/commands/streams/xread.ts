import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { Reply } from '../../reply.js';
import { CommandError } from '../../reply.js';
import { STREAM_ID_MAX, type StreamId, type StreamValue } from '../../types/stream.js';
import { parseReadArgs } from './read-args.js';
import { entryReply, readStream } from './stream-access.js';
import { parseStrictStreamId } from './stream-id.js';

/** The stream-key positions of XREAD/XREADGROUP: the keys after STREAMS. */
export function readKeys(argv: readonly ByteString[]): number[] {
  for (let i = 1; i < argv.length; i++) {
    if ((argv[i] as ByteString).toLowerCase() === 'streams') {
      const half = Math.floor((argv.length - i - 1) / 2);
      return Array.from({ length: half }, (_, k) => i + 1 + k);
    }
  }
  return [];
}

/** Whether XREAD (options from 1) or XREADGROUP (options from 4) asks to BLOCK, before STREAMS. */
export function hasBlockOption(argv: readonly ByteString[], optionsStart: number): boolean {
  for (let i = optionsStart; i < argv.length; i++) {
    const arg = argv[i] as ByteString;
    if (arg.length === 5 && arg.toLowerCase() === 'block') return true;
    if (arg.length === 7 && arg.toLowerCase() === 'streams') return false;
  }
  return false;
}

/**
 * XREAD [COUNT n] [BLOCK ms] STREAMS key … id …: entries after each ID (`$` = after the last).
 * BLOCK is refused, so XREAD never blocks and stays a plain read a replica can serve.
 */
export const xread = defineCommand({
  name: 'xread',
  arity: -4,
  flags: ['readonly'],
  keys: readKeys,
  blocksWith: (argv) => hasBlockOption(argv, 1),
  handler: (ctx, argv): Reply => {
    const args = parseReadArgs(argv, false);
    const targets: [ByteString, StreamValue | undefined, StreamId][] = [];
    args.keys.forEach((key, i) => {
      const stream = readStream(ctx, key);
      const text = args.ids[i] as ByteString;
      if (text === '>') {
        throw new CommandError(
          'ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.',
        );
      }
      const after = text === '$' ? (stream?.lastId ?? 0n) : parseStrictStreamId(text);
      targets.push([key, stream, after]);
    });
    const reply: Reply[] = [];
    for (const [key, stream, after] of targets) {
      const last = stream?.last();
      if (stream === undefined || last === undefined || last.id <= after) continue;
      const entries = stream.range(after + 1n, STREAM_ID_MAX, args.count === 0 ? Infinity : args.count);
      reply.push([key, entries.map(entryReply)]);
    }
    return reply.length === 0 ? null : reply;
  },
});
