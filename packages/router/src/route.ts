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

/**
 * Chooses the region that serves a request. `byDistance` lists the regions ordered by modelled
 * latency from the client, nearest first. Pure: the simulator uses the same function.
 *
 * Session reads go to the nearest healthy region; the node itself waits (bounded) for the token's
 * offset and then hands the read to the primary, so a stale routing view never breaks the guarantee.
 * Bounded reads skip regions known to be staler than the bound; the node re-checks its own staleness.
 */
export function routeRequest(request: RouteRequest, byDistance: readonly RegionState[]): RouteDecision {
  let primary: RegionState | undefined;
  for (const region of byDistance) {
    if (region.isPrimary) {
      primary = region;
      break;
    }
  }
  if (request.isWrite || request.consistency.level === 'strong') {
    if (primary === undefined || !primary.healthy) return PRIMARY_UNREACHABLE;
    return { kind: 'forward', region: primary.name, reason: request.isWrite ? 'write' : 'strong', fallbacks: [] };
  }
  // Nearest first: the first healthy fresh region serves, the others follow as fallbacks (counted
  // first, so the list is made at its size: it is made for every routed read).
  let chosen: RegionState | undefined;
  let candidates = 0;
  for (const region of byDistance) {
    if (!region.healthy || !fresh(region, request)) continue;
    if (candidates++ === 0) chosen = region;
  }
  if (chosen === undefined) {
    if (primary?.healthy === true)
      return { kind: 'forward', region: primary.name, reason: 'no replica fresh enough', fallbacks: [] };
    return { kind: 'unavailable', code: 'MERIDIAN_ROUTER_NO_REGION', reason: 'no healthy region' };
  }
  const fallbacks = new Array<string>(candidates - 1);
  let next = 0;
  for (const region of byDistance) {
    if (region !== chosen && region.healthy && fresh(region, request)) fallbacks[next++] = region.name;
  }
  if (primary?.healthy === true && !fallbacks.includes(primary.name) && chosen !== primary)
    fallbacks.push(primary.name);
  return {
    kind: 'forward',
    region: chosen.name,
    reason: chosen.isPrimary ? 'nearest (primary)' : 'nearest replica',
    fallbacks,
  };
}

function fresh(region: RegionState, request: RouteRequest): boolean {
  if (region.isPrimary) return true;
  if (request.consistency.level === 'bounded') return region.stalenessMs <= request.consistency.stalenessMsMax;
  return true;
}
