import type { Consistency } from './consistency.js';

/** What the router knows of a region at decision time. */
export interface RegionState {
  readonly name: string;
  readonly isPrimary: boolean;
  /** Answering its health checks and not partitioned from the router. */
  readonly healthy: boolean;
  /** Staleness in ms (0 for the primary), as last reported. */
  readonly stalenessMs: number;
  /** Log offset applied, as last reported. */
  readonly appliedOffset: number;
}

export interface RouteRequest {
  /** Writes, transactions and pipelines with any write go to the primary. */
  readonly isWrite: boolean;
  readonly consistency: Consistency;
}

export type RouteDecision =
  | {
      readonly kind: 'forward';
      readonly region: string;
      readonly reason: string;
      readonly fallbacks: readonly string[];
    }
  | { readonly kind: 'unavailable'; readonly code: UnavailableCode; readonly reason: string };

/** Why no region can serve a request: the primary is needed and unreachable, or no region is healthy. */
export type UnavailableCode = 'MERIDIAN_ROUTER_PRIMARY_UNREACHABLE' | 'MERIDIAN_ROUTER_NO_REGION';

export const PRIMARY_UNREACHABLE = {
  kind: 'unavailable',
  code: 'MERIDIAN_ROUTER_PRIMARY_UNREACHABLE',
  reason: 'primary unreachable',
} as const;

const NO_REGION = {
  kind: 'unavailable',
  code: 'MERIDIAN_ROUTER_NO_REGION',
  reason: 'no healthy region',
} as const;

type ForwardDecision = { kind: 'forward'; region: string; reason: string; fallbacks: string[] };

/**
 * A forward decision `routeRequest` fills in instead of making one, for a caller that keeps nothing
 * of a decision past its next call (the router's transient plans, which the simulator makes for
 * every read it models): its fallback lists are kept per length and refilled.
 */
export interface RouteScratch {
  readonly decision: ForwardDecision;
  readonly fallbackLists: string[][];
}

export function routeScratch(): RouteScratch {
  return { decision: { kind: 'forward', region: '', reason: '', fallbacks: [] }, fallbackLists: [] };
}

/** A forward decision with room for `fallbackCount` fallbacks: a new one, or `scratch`'s refilled. */
function forwardTo(
  region: string,
  reason: string,
  fallbackCount: number,
  scratch: RouteScratch | undefined,
): ForwardDecision {
  if (scratch === undefined) return { kind: 'forward', region, reason, fallbacks: new Array<string>(fallbackCount) };
  // One list per length: emptying an array and pushing again costs a new backing store.
  let fallbacks = scratch.fallbackLists[fallbackCount];
  if (fallbacks === undefined) scratch.fallbackLists[fallbackCount] = fallbacks = new Array<string>(fallbackCount);
  const decision = scratch.decision;
  decision.region = region;
  decision.reason = reason;
  decision.fallbacks = fallbacks;
  return decision;
}

/**
 * Chooses the region that serves a request. `byDistance` lists the regions ordered by modelled
 * latency from the client, nearest first. Pure: the simulator uses the same function.
 *
 * Session reads go to the nearest healthy region; the node itself waits (bounded) for the token's
 * offset and then hands the read to the primary, so a stale routing view never breaks the guarantee.
 * Bounded reads skip regions known to be staler than the bound; the node re-checks its own staleness.
 *
 * `scratch`: the decision is written into it (see RouteScratch) and valid until its next use.
 */
export function routeRequest(
  request: RouteRequest,
  byDistance: readonly RegionState[],
  scratch?: RouteScratch,
): RouteDecision {
  let primary: RegionState | undefined;
  for (const region of byDistance) {
    if (region.isPrimary) {
      primary = region;
      break;
    }
  }
  if (request.isWrite || request.consistency.level === 'strong') {
    if (primary === undefined || !primary.healthy) return PRIMARY_UNREACHABLE;
    return forwardTo(primary.name, request.isWrite ? 'write' : 'strong', 0, scratch);
  }
  // Nearest first: the first healthy fresh region serves, the others follow as fallbacks (counted
  // first, so the list is made at its size: it is made for every routed read). The primary is
  // always fresh, so a healthy primary is among them. Each region is asked once: the first
  // ELIGIBLE_BITS ones' answers are kept as bits (a region's state may be read live, so asking is not free).
  let chosen: RegionState | undefined;
  let candidates = 0;
  let eligible = 0;
  for (let i = 0; i < byDistance.length; i++) {
    const region = byDistance[i] as RegionState;
    if (!region.healthy || !fresh(region, request)) continue;
    if (candidates++ === 0) chosen = region;
    if (i < ELIGIBLE_BITS) eligible |= 1 << i;
  }
  if (chosen === undefined) {
    if (primary?.healthy === true) return forwardTo(primary.name, 'no replica fresh enough', 0, scratch);
    return NO_REGION;
  }
  const reason = chosen.isPrimary ? 'nearest (primary)' : 'nearest replica';
  const decision = forwardTo(chosen.name, reason, candidates - 1, scratch);
  if (candidates === 1) return decision;
  const fallbacks = decision.fallbacks;
  let next = 0;
  for (let i = 0; i < byDistance.length; i++) {
    const region = byDistance[i] as RegionState;
    if (region === chosen) continue;
    const isEligible = i < ELIGIBLE_BITS ? (eligible & (1 << i)) !== 0 : region.healthy && fresh(region, request);
    if (isEligible) fallbacks[next++] = region.name;
  }
  return decision;
}

/** Regions whose eligibility `routeRequest` keeps as bits of a small integer. */
const ELIGIBLE_BITS = 30;

function fresh(region: RegionState, request: RouteRequest): boolean {
  if (region.isPrimary) return true;
  if (request.consistency.level === 'bounded') return region.stalenessMs <= request.consistency.stalenessMsMax;
  return true;
}
