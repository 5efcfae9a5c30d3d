import type { ExecContext } from '../../context.js';
import type { Keyspace } from '../../keyspace.js';
import { HashValue } from '../../types/hash.js';
import { expireFields, volatileKeysOf } from './hash-access.js';

interface ActiveExpireState {
  tracked: Iterator<string> | undefined;
  /** Slot cursor of the walk that finds hashes with field TTLs not yet tracked (loaded, renamed). */
  discoveryCursor: number;
}

const states = new WeakMap<Keyspace, ActiveExpireState>();

function stateOf(db: Keyspace): ActiveExpireState {
  let state = states.get(db);
  if (state === undefined) {
    state = { tracked: undefined, discoveryCursor: 0 };
    states.set(db, state);
  }
  return state;
}

/**
 * Active expiry of hash fields, bounded: visits up to `checksMax` tracked hashes, deleting their
 * expired fields (emitting HDEL, and deleting a hash left empty), then examines up to
 * `checksMax` keyspace slots for hashes with field TTLs that are not tracked yet.
 */
export function expireHashFields(ctx: ExecContext, checksMax: number): void {
  if (ctx.role !== 'primary' || ctx.applying) return;
  const keys = volatileKeysOf(ctx.db);
  const state = stateOf(ctx.db);
  for (let checks = 0; checks < checksMax; checks++) {
    state.tracked ??= keys.values();
    const next = state.tracked.next();
    if (next.done === true) {
      state.tracked = undefined;
      break;
    }
    const key = next.value;
    const value = ctx.lookup(key);
    if (!(value instanceof HashValue) || value.fieldExpiresAtMs.size === 0 || expireFields(ctx, key, value)) {
      keys.delete(key);
    }
  }
  state.discoveryCursor = ctx.db.data.scan(state.discoveryCursor, checksMax, (key, value) => {
    if (value instanceof HashValue && value.fieldExpiresAtMs.size > 0) keys.add(key);
  });
}
