import type { Consistency } from './consistency.js';

/** What a replica knows of its own data when it decides how to answer a read. */
export interface ReplicaReadState {
  /** The primary's replication id the local data belongs to ('' before the first sync). */
  readonly replicationId: string;
  readonly appliedOffset: number;
  /** How stale the local data may be, in ms; Infinity when nothing proves any freshness. */
  readonly stalenessMs: number;
}

/** A sync token as the decision needs it: the history and the offset the client has seen. */
export interface ReadToken {
  readonly replicationId: string;
  readonly offset: number;
}

/**
 * How a replica answers a read: here, at the primary, or here once it has applied `offset`
 * (within the sync wait; at the primary if it does not get there).
 */
export type ReadDecision =
  | { readonly kind: 'local' }
  | { readonly kind: 'forward'; readonly reason: ForwardReason }
  | { readonly kind: 'wait'; readonly offset: number };

export type ForwardReason = 'no-history' | 'unknown-staleness' | 'strong' | 'bounded' | 'other-history';

/** The signature of a read decision; the node and the simulator both take `decideRead` by default. */
export type ReadDecider = (
  state: ReplicaReadState,
  consistency: Consistency | undefined,
  token: ReadToken | undefined,
) => ReadDecision;

const LOCAL: ReadDecision = { kind: 'local' };
/** The forward decisions, made once (a decision is never changed): the decision runs for every read. */
const FORWARDS: { readonly [reason in ForwardReason]: ReadDecision } = {
  'no-history': { kind: 'forward', reason: 'no-history' },
  'unknown-staleness': { kind: 'forward', reason: 'unknown-staleness' },
  strong: { kind: 'forward', reason: 'strong' },
  bounded: { kind: 'forward', reason: 'bounded' },
  'other-history': { kind: 'forward', reason: 'other-history' },
};
const forwardFor = (reason: ForwardReason): ReadDecision => FORWARDS[reason];

/**
 * The replica's read decision — the one the node runs and the simulator models. Data of no known
 * history, or with nothing proving how fresh it is, only the primary can answer; `strong` goes
 * to the primary; `bounded` when staler than the bound. A sync token of this history is waited for;
 * one of another history goes to the primary, which knows whether it is newer than our data.
 */
export function decideRead(
  state: ReplicaReadState,
  consistency: Consistency | undefined,
  token: ReadToken | undefined,
): ReadDecision {
  if (state.replicationId === '') return forwardFor('no-history');
  if (!Number.isFinite(state.stalenessMs)) return forwardFor('unknown-staleness');
  if (consistency !== undefined) {
    if (consistency.level === 'strong') return forwardFor('strong');
    if (consistency.level === 'bounded' && state.stalenessMs > consistency.stalenessMsMax) return forwardFor('bounded');
  }
  if (token === undefined) return LOCAL;
  if (token.replicationId !== state.replicationId) return forwardFor('other-history');
  return token.offset <= state.appliedOffset ? LOCAL : { kind: 'wait', offset: token.offset };
}
