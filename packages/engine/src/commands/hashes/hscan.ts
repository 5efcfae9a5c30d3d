import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { globMatch } from '../../glob.js';
import { CommandError, type Reply } from '../../reply.js';
import { parseScanArgs } from '../../scan-args.js';
import { isHidden, readHash } from './hash-access.js';

const UINT64_MODULUS = 2n ** 64n;

/**
 * The cursor as Redis reads it (strtoul): optional sign, decimal digits, at most 2^64-1; a
 * negative value wraps around; the empty string is cursor 0.
 */
function parseCursor(text: ByteString): number {
  if (text === '') return 0;
  const match = /^([+-]?)(\d+)$/.exec(text);
  if (match === null) throw new CommandError('ERR invalid cursor');
  const magnitude = BigInt(match[2] as string);
  if (magnitude >= UINT64_MODULUS) throw new CommandError('ERR invalid cursor');
  return Number(match[1] === '-' && magnitude > 0n ? UINT64_MODULUS - magnitude : magnitude);
}

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
