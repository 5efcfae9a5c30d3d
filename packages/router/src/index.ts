export { parseConsistency, formatConsistency } from './consistency.js';
export type { Consistency } from './consistency.js';
export { routeRequest } from './route.js';
export type { RegionState, RouteRequest, RouteDecision } from './route.js';
export { classifyRequest, classifyRequestLine, isWriteCommand, leadingCommandName } from './classify.js';
export type { RequestClass } from './classify.js';
export {
  locateClient,
  clientDelayMs,
  rankRegions,
  HeaderError,
  REGION_HEADER,
  LOCATION_HEADER,
  CONSISTENCY_HEADER,
} from './location.js';
export type { ClientLocation } from './location.js';
export { RegionMonitor } from './monitor.js';
export { RoutePlanner, RouterHandler, forwardedHeaders, originForm } from './handler.js';
export type {
  RoutePlannerOptions,
  RouterHandlerOptions,
  RouterResponse,
  RegionViews,
  RoutePlan,
  AnswerPlan,
  RoutedRequest,
} from './handler.js';
export { HttpRegionClient, REAL_TIMERS } from './http-region-client.js';
export { SocketRegionClient } from './socket-region-client.js';
export { OutboundAgents, type RouterTrust } from './outbound.js';
export { readAnswer, isAnswerStream } from './region-client.js';
export { FunctionRegionClient } from './memory-region-client.js';
export type { RegionFunction } from './memory-region-client.js';
export type { AnswerStream, RegionAnswer, RegionCallResult, RegionClient, RegionRequest } from './region-client.js';
export type { RegionView, MonitoredRegion, RegionMonitorOptions } from './monitor.js';
export {
  MeridianRouter,
  startRouter,
  ROUTER_POLL_INTERVAL_MS_DEFAULT,
  ROUTER_POLL_TIMEOUT_MS_DEFAULT,
  ROUTER_FORWARD_TIMEOUT_MS_DEFAULT,
} from './server.js';
export type { RouterOptions } from './server.js';
