import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_WRONGTYPE } from '../../errors.js';
import { CommandError } from '../../reply.js';
import { SetValue } from '../../types/set.js';

/** The set at `key` for a read (counts keyspace hits and misses); WRONGTYPE for other types. */
export function readSet(ctx: ExecContext, key: ByteString): SetValue | undefined {
  const value = ctx.lookupRead(key);
  if (value === undefined) return undefined;
  if (!(value instanceof SetValue)) throw new CommandError(ERR_WRONGTYPE);
  return value;
}

/** The set at `key` for a write; WRONGTYPE for other types. */
export function writableSet(ctx: ExecContext, key: ByteString): SetValue | undefined {
  return ctx.lookupTyped<SetValue>(key, 'set');
}

/**
 * The sets at argv[from..to), every key type-checked before any work (a missing key is undefined),
 * as Redis does. `forWrite` when the command stores the result (no hit/miss counting then).
 */
export function lookupSets(
  ctx: ExecContext,
  argv: readonly ByteString[],
  from: number,
  to: number,
  forWrite = false,
): (SetValue | undefined)[] {
  const sets: (SetValue | undefined)[] = [];
  for (let i = from; i < to; i++) {
    const key = argv[i] as ByteString;
    sets.push(forWrite ? writableSet(ctx, key) : readSet(ctx, key));
  }
  return sets;
}

/** Members common to all sets, stopping after `limit` (0 = no limit); empty when any set is missing. */
export function intersect(sets: readonly (SetValue | undefined)[], limit = 0): ByteString[] {
  const present: SetValue[] = [];
  for (const set of sets) {
    if (set === undefined) return [];
    present.push(set);
  }
  present.sort((a, b) => a.size - b.size);
  const [smallest, ...others] = present;
  if (smallest === undefined) return [];
  const result: ByteString[] = [];
  for (const member of smallest.members.keysIterator()) {
    if (others.every((set) => set.has(member))) {
      result.push(member);
      if (limit > 0 && result.length >= limit) break;
    }
  }
  return result;
}

export function union(sets: readonly (SetValue | undefined)[]): ByteString[] {
  const result = new Set<ByteString>();
  for (const set of sets) {
    if (set !== undefined) for (const member of set.members.keysIterator()) result.add(member);
  }
  return [...result];
}

/** Members of the first set that are in none of the others. */
export function difference(sets: readonly (SetValue | undefined)[]): ByteString[] {
  const [first, ...others] = sets;
  if (first === undefined) return [];
  const result: ByteString[] = [];
  for (const member of first.members.keysIterator()) {
    if (!others.some((set) => set !== undefined && set.has(member))) result.push(member);
  }
  return result;
}

/**
 * Stores a computed set at `destination` (replacing any value and TTL); an empty result deletes
 * it. The STORE commands are deterministic given the keyspace, so they replicate as is.
 */
export function storeSet(ctx: ExecContext, destination: ByteString, members: readonly ByteString[]): number {
  if (members.length === 0) {
    if (ctx.lookup(destination) !== undefined && ctx.deleteKey(destination)) ctx.propagateAsIs();
    return 0;
  }
  ctx.setKey(destination, SetValue.of(members));
  ctx.propagateAsIs();
  return members.length;
}
