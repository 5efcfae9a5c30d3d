import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_NOT_POSITIVE, ERR_SYNTAX, ERR_WRONGTYPE, wrongArity } from '../../errors.js';
import { parseInteger } from '../../parse.js';
import { CommandError, type Reply } from '../../reply.js';
import { ListValue } from '../../types/list.js';

export type ListEnd = 'left' | 'right';

/** The list at `key` for a read (counts keyspace hits and misses); WRONGTYPE for other types. */
export function readList(ctx: ExecContext, key: ByteString): ListValue | undefined {
  const value = ctx.lookupRead(key);
  if (value === undefined) return undefined;
  if (!(value instanceof ListValue)) throw new CommandError(ERR_WRONGTYPE);
  return value;
}

/** The list at `key` for a write; WRONGTYPE for other types. */
export function writableList(ctx: ExecContext, key: ByteString): ListValue | undefined {
  return ctx.lookupTyped<ListValue>(key, 'list');
}

/** LEFT or RIGHT, in any case; a syntax error otherwise. */
export function parseListEnd(text: ByteString): ListEnd {
  const lower = text.toLowerCase();
  if (lower === 'left') return 'left';
  if (lower === 'right') return 'right';
  throw new CommandError(ERR_SYNTAX);
}

export function pushAt(list: ListValue, end: ListEnd, value: ByteString): void {
  if (end === 'left') list.pushFront(value);
  else list.pushBack(value);
}

/** Pops up to `count` elements from one end; deletes the key when the list is left empty. */
export function popMany(ctx: ExecContext, key: ByteString, list: ListValue, end: ListEnd, count: number): ByteString[] {
  const popped: ByteString[] = [];
  while (popped.length < count && list.length > 0) {
    popped.push((end === 'left' ? list.popFront() : list.popBack()) as ByteString);
  }
  if (list.length === 0) ctx.deleteKey(key);
  else list.shrinkIfSparse();
  return popped;
}

/** LPUSH, RPUSH, LPUSHX, RPUSHX: the new length (0 for the X forms on a missing key); replicated as is. */
export function pushCommand(ctx: ExecContext, argv: readonly ByteString[], end: ListEnd, onlyIfExists: boolean): Reply {
  const key = argv[1] as ByteString;
  let list = writableList(ctx, key);
  if (list === undefined) {
    if (onlyIfExists) return 0;
    list = new ListValue();
    ctx.addKey(key, list);
  }
  for (let i = 2; i < argv.length; i++) pushAt(list, end, argv[i] as ByteString);
  ctx.propagateAsIs();
  return list.length;
}

/** LPOP and RPOP: one element (or nil), or with a count an array (nil for a missing key). */
export function popCommand(ctx: ExecContext, argv: readonly ByteString[], end: ListEnd): Reply {
  if (argv.length > 3) throw new CommandError(wrongArity(argv[0] as ByteString));
  const hasCount = argv.length === 3;
  let count = 1;
  if (hasCount) {
    const parsed = parseInteger(argv[2] as ByteString);
    if (parsed === null || parsed < 0) throw new CommandError(ERR_NOT_POSITIVE);
    count = parsed;
  }
  const key = argv[1] as ByteString;
  const list = writableList(ctx, key);
  if (list === undefined) return null;
  if (count === 0) return [];
  const popped = popMany(ctx, key, list, end, count);
  ctx.propagateAsIs();
  return hasCount ? popped : (popped[0] ?? null);
}

/**
 * Moves one element from `source`'s `from` end to `destination`'s `to` end (LMOVE, RPOPLPUSH).
 * Nil when the source is missing; WRONGTYPE when either key holds another type. Replicated as is.
 */
export function moveCommand(
  ctx: ExecContext,
  source: ByteString,
  destination: ByteString,
  from: ListEnd,
  to: ListEnd,
): Reply {
  const sourceList = writableList(ctx, source);
  if (sourceList === undefined) return null;
  let destinationList = writableList(ctx, destination);
  const value = (from === 'left' ? sourceList.popFront() : sourceList.popBack()) as ByteString;
  if (destinationList === undefined) {
    destinationList = new ListValue();
    ctx.addKey(destination, destinationList);
  }
  pushAt(destinationList, to, value);
  if (sourceList.length === 0) ctx.deleteKey(source);
  ctx.propagateAsIs();
  return value;
}

/** The text every blocking list command answers with: there is no connection to block over REST. */
export function refuseBlocking(): never {
  throw new CommandError('ERR blocking commands are not supported over REST');
}

/** Key positions of the numkeys forms (LMPOP, BLMPOP): `numkeys` at `numkeysIndex`, keys after it. */
export function numkeysPositions(argv: readonly ByteString[], numkeysIndex: number): number[] {
  const numkeys = parseInteger(argv[numkeysIndex] ?? '');
  if (numkeys === null || numkeys < 1) return [];
  const positions: number[] = [];
  for (let i = numkeysIndex + 1; i <= numkeysIndex + numkeys && i < argv.length; i++) positions.push(i);
  return positions;
}
