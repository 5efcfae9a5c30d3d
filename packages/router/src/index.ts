export { parseConsistency, formatConsistency } from './consistency.js';
export type { Consistency } from './consistency.js';
export { routeRequest } from './route.js';
export type { RegionState, RouteRequest, RouteDecision } from './route.js';
