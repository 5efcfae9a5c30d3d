import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX } from '../../errors.js';
import { INT64, parseBigInt64 } from '../../parse.js';
import { CommandError, type Reply } from '../../reply.js';
import type { HashValue } from '../../types/hash.js';
import { hasHiddenFields, readHash, visibleEntries } from './hash-access.js';

/**
 * A negative count may repeat fields, so the reply could be far larger than the hash; Redis
 * streams any size, a REST reply has to fit in memory.
 */
export const hrandfieldRepliesMax = 1_000_000;

const LONG_MAX = INT64.max;

function parseCount(argv: readonly ByteString[]): bigint {
  const count = parseBigInt64(argv[2] as ByteString);
  if (count === null) throw new CommandError(ERR_NOT_INTEGER);
  if (count < -LONG_MAX) {
    throw new CommandError(
      'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    );
  }
  if (argv.length > 4 || (argv.length === 4 && (argv[3] as ByteString).toLowerCase() !== 'withvalues')) {
    throw new CommandError(ERR_SYNTAX);
  }
  if (argv.length === 4 && (count < -LONG_MAX / 2n || count > LONG_MAX / 2n)) {
    throw new CommandError('ERR value is out of range');
  }
  return count;
}

/**
 * Picks one visible field uniformly at random (the hash must have one). A packed hash is read
 * into an array once: finding its i-th entry costs O(size), and a negative count picks many.
 */
function randomPicker(ctx: ExecContext, hash: HashValue): () => [ByteString, ByteString] {
  if (hash.isPacked || hasHiddenFields(ctx, hash)) {
    const entries = visibleEntries(ctx, hash);
    return () => entries[Math.floor(ctx.random() * entries.length)] as [ByteString, ByteString];
  }
  return () => {
    const field = hash.fields.randomKey(ctx.random) as ByteString;
    return [field, hash.fields.get(field) as ByteString];
  };
}

/** `count` distinct visible entries, chosen at random. */
function distinctEntries(ctx: ExecContext, hash: HashValue, count: number): [ByteString, ByteString][] {
  const entries = visibleEntries(ctx, hash);
  if (count >= entries.length) return entries;
  // Drop random entries from a copy: as cheap as drawing when count is close to the size.
  while (entries.length > count) {
    const index = Math.floor(ctx.random() * entries.length);
    entries[index] = entries[entries.length - 1] as [ByteString, ByteString];
    entries.pop();
  }
  return entries;
}

function flatten(entries: readonly [ByteString, ByteString][], withValues: boolean): ByteString[] {
  return withValues ? entries.flat() : entries.map(([field]) => field);
}

/** HRANDFIELD key [count [WITHVALUES]]: random fields; a read, so no effects. */
export const hrandfield = defineCommand({
  name: 'hrandfield',
  arity: -2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const count = argv.length >= 3 ? parseCount(argv) : undefined;
    const withValues = argv.length === 4;
    const hash = readHash(ctx, argv[1] as ByteString);
    const empty = hash === undefined || (hasHiddenFields(ctx, hash) && visibleEntries(ctx, hash).length === 0);
    if (count === undefined) return empty ? null : randomPicker(ctx, hash)()[0];
    if (empty || count === 0n) return [];
    if (count > 0n) return flatten(distinctEntries(ctx, hash, Number(count)), withValues);
    if (-count > BigInt(hrandfieldRepliesMax)) {
      throw new CommandError(
        `ERR count is out of range, a negative count may ask for at most ${hrandfieldRepliesMax} fields`,
      );
    }
    const pick = randomPicker(ctx, hash);
    const picks: [ByteString, ByteString][] = [];
    for (let i = Number(-count); i > 0; i--) picks.push(pick());
    return flatten(picks, withValues);
  },
});
