import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { ERR_SYNTAX } from '../../errors.js';
import { CommandError } from '../../reply.js';
import { bytesToString } from './bits.js';
import { readString } from './string-access.js';

type BitOperation = 'and' | 'or' | 'xor' | 'not' | 'diff' | 'diff1' | 'andor' | 'one';

const OPERATIONS: ReadonlySet<string> = new Set(['and', 'or', 'xor', 'not', 'diff', 'diff1', 'andor', 'one']);
/** Redis 8.2's operators that compare the first key with the union of the others. */
const FIRST_VERSUS_REST: ReadonlySet<BitOperation> = new Set<BitOperation>(['diff', 'diff1', 'andor']);

function parseOperation(text: ByteString): BitOperation {
  const operation = text.toLowerCase();
  if (OPERATIONS.has(operation)) return operation as BitOperation;
  throw new CommandError(ERR_SYNTAX);
}

function byteAt(source: ByteString, i: number): number {
  return i < source.length ? source.charCodeAt(i) : 0;
}

/**
 * Redis 8.2: DIFF = X & ~(Y1 | Y2 …), DIFF1 = ~X & (Y1 | Y2 …), ANDOR = X & (Y1 | Y2 …), ONE = the
 * bits set in exactly one source.
 */
function combineRedis82(operation: BitOperation, sources: readonly ByteString[], lengthBytes: number): ByteString {
  const result = new Uint8Array(lengthBytes);
  const first = sources[0] as ByteString;
  for (let i = 0; i < lengthBytes; i++) {
    if (operation === 'one') {
      let once = 0;
      let more = 0;
      for (const source of sources) {
        const byte = byteAt(source, i);
        more |= once & byte;
        once ^= byte;
      }
      result[i] = once & ~more & 0xff;
      continue;
    }
    let rest = 0;
    for (let s = 1; s < sources.length; s++) rest |= byteAt(sources[s] as ByteString, i);
    const x = byteAt(first, i);
    if (operation === 'diff') result[i] = x & ~rest & 0xff;
    else if (operation === 'diff1') result[i] = ~x & rest & 0xff;
    else result[i] = x & rest;
  }
  return bytesToString(result);
}

/** Missing source keys read as empty strings, and short sources are zero-padded. */
function combine(operation: BitOperation, sources: readonly ByteString[], lengthBytes: number): ByteString {
  if (operation === 'one' || FIRST_VERSUS_REST.has(operation)) return combineRedis82(operation, sources, lengthBytes);
  const result = new Uint8Array(lengthBytes);
  const first = sources[0] as ByteString;
  for (let i = 0; i < lengthBytes; i++) {
    const byte = i < first.length ? first.charCodeAt(i) : 0;
    result[i] = operation === 'not' ? ~byte & 0xff : byte;
  }
  for (let s = 1; s < sources.length; s++) {
    const source = sources[s] as ByteString;
    for (let i = 0; i < lengthBytes; i++) {
      const byte = i < source.length ? source.charCodeAt(i) : 0;
      if (operation === 'and') result[i] = (result[i] as number) & byte;
      else if (operation === 'or') result[i] = (result[i] as number) | byte;
      else result[i] = (result[i] as number) ^ byte;
    }
  }
  return bytesToString(result);
}

function readSources(ctx: ExecContext, keys: readonly ByteString[]): ByteString[] {
  return keys.map((key) => readString(ctx, key) ?? '');
}

/**
 * BITOP AND|OR|XOR|NOT|DIFF|DIFF1|ANDOR|ONE destkey key [key …]: stores the result (as long as the longest source) and
 * answers its length; an all-empty result deletes destkey.
 */
export const bitop = defineCommand({
  name: 'bitop',
  arity: -4,
  flags: ['write', 'denyoom'],
  firstKey: 2,
  lastKey: -1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const operation = parseOperation(argv[1] as ByteString);
    if (operation === 'not' && argv.length !== 4) {
      throw new CommandError('ERR BITOP NOT must be called with a single source key.');
    }
    if (FIRST_VERSUS_REST.has(operation) && argv.length < 5) {
      throw new CommandError(`ERR BITOP ${operation.toUpperCase()} must be called with at least two source keys.`);
    }
    const destination = argv[2] as ByteString;
    const sources = readSources(ctx, argv.slice(3));
    const lengthBytes = sources.reduce((longest, source) => Math.max(longest, source.length), 0);
    if (lengthBytes > 0) {
      ctx.setKey(destination, combine(operation, sources, lengthBytes));
      ctx.propagateAsIs();
    } else if (ctx.deleteKey(destination)) {
      ctx.propagate(['DEL', destination]);
    }
    return lengthBytes;
  },
});
