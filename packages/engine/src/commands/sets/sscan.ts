import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { globMatch } from '../../glob.js';
import type { Reply } from '../../reply.js';
import { parseCursor, parseScanArgs } from '../../scan-args.js';
import { readSet } from './set-access.js';

/**
 * SSCAN key cursor [MATCH pattern] [COUNT count]: [next cursor, members]. Like Redis, the options
 * are only parsed when the key exists (a missing key answers an empty scan whatever follows).
 */
export const sscan = defineCommand({
  name: 'sscan',
  arity: -3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const cursor = parseCursor(argv[2] as ByteString);
    const set = readSet(ctx, argv[1] as ByteString);
    if (set === undefined) return ['0', []];
    const { match, count } = parseScanArgs(['sscan', argv[1] as ByteString, '0', ...argv.slice(3)], 2);
    const found: ByteString[] = [];
    const next = set.members.scan(cursor, count, (member) => {
      if (match === undefined || globMatch(match, member)) found.push(member);
    });
    return [String(next), found];
  },
});
