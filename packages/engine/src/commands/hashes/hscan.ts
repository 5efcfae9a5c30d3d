import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { globMatch } from '../../glob.js';
import type { Reply } from '../../reply.js';
import { parseCursor, parseScanArgs } from '../../scan-args.js';
import { isHidden, readHash } from './hash-access.js';

/**
 * HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]: [next cursor, [field, value, …]].
 * Like Redis, the options are only parsed when the key exists.
 */
export const hscan = defineCommand({
  name: 'hscan',
  arity: -3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const cursor = parseCursor(argv[2] as ByteString);
    const hash = readHash(ctx, argv[1] as ByteString);
    if (hash === undefined) return ['0', []];
    const { match, count, noValues } = parseScanArgs(['hscan', argv[1] as ByteString, '0', ...argv.slice(3)], 2, {
      noValues: true,
    });
    const found: ByteString[] = [];
    const next = hash.fields.scan(cursor, count, (field, value) => {
      if (isHidden(ctx, hash, field)) return;
      if (match !== undefined && !globMatch(match, field)) return;
      if (noValues) found.push(field);
      else found.push(field, value);
    });
    return [String(next), found];
  },
});
