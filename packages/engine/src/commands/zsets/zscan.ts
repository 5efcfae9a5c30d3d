import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { globMatch } from '../../glob.js';
import type { Reply } from '../../reply.js';
import { parseCursor, parseScanArgs } from '../../scan-args.js';
import { formatScore, readZSet } from './zset-access.js';

/** Up to this size Redis keeps a sorted set as a listpack, which ZSCAN returns whole, in order. */
const WHOLE_SCAN_SIZE_MAX = 128;

/**
 * ZSCAN key cursor [MATCH pattern] [COUNT count]: [next cursor, [member, score, …]]. Small sets
 * come back whole with cursor 0, as in Redis; larger ones are walked by dictionary slot, so a
 * member present for the whole scan is returned. Options are parsed only when the key exists.
 */
export const zscan = defineCommand({
  name: 'zscan',
  arity: -3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const cursor = parseCursor(argv[2] as ByteString);
    const zset = readZSet(ctx, argv[1] as ByteString);
    if (zset === undefined) return ['0', []];
    const { match, count } = parseScanArgs(['zscan', argv[1] as ByteString, '0', ...argv.slice(3)], 2);
    const found: ByteString[] = [];
    const visit = (member: ByteString, score: number): void => {
      if (match === undefined || globMatch(match, member)) found.push(member, formatScore(score));
    };
    if (zset.size <= WHOLE_SCAN_SIZE_MAX) {
      for (const { member, score } of zset.entries()) visit(member, score);
      return ['0', found];
    }
    const next = zset.scan(cursor, count, visit);
    return [String(next), found];
  },
});
