export { MeridianNode, NodeConfigError, isLoopbackHost } from './node.js';
export { defaultMaxMemoryBytes, HEAP_SHARE_DEFAULT } from './memory.js';
export { PIPELINE_SLICE_COMMANDS_DEFAULT, TRANSACTION_COMMANDS_MAX_DEFAULT } from './pipeline-slices.js';
export { REPLY_BYTES_MAX_DEFAULT } from './reply-size.js';
export type { MeridianNodeOptions, RoleControl } from './node.js';
// The roles' request execution lives in @meridian/core; re-exported for the node's users.
export { PrimaryExecutor, ReplicaExecutor, isWait } from '@meridian/core';
export type {
  CommandRouter,
  CommandBatch,
  BatchOutcome,
  Consistency,
  ForwardedOutcome,
  ReplicaAcks,
  RunContext,
  RunResult,
} from '@meridian/core';
export { RestHandler, parseConsistency } from './handler.js';
export { APPLIED_AT_HEADER, COMMITTED_AT_HEADER, TIMING_HEADER, wallClockCorrectionMs, wallClockMs } from './timing.js';
export type { AdminEndpoints, RestResponse, RestHandlerOptions } from './handler.js';
export { createFrontListener, createHttpServer, HTTP_TIMEOUTS_DEFAULT } from './http-server.js';
export type { HttpServerOptions, StreamHandler, StreamRequest } from './http-server.js';
export { NodeLinks, LagRequestError } from './links.js';
export type { LinkSpec, LinkView } from './links.js';
export { PrimaryForwarder } from './forwarder.js';
export { FORWARDED_BY_HEADER } from '@meridian/core';
export {
  openRegionStore,
  SnapshotScheduler,
  SNAPSHOT_POLICY_DEFAULT,
  REGION_NAME_PATTERN,
  RegionNameError,
  checkRegionName,
} from './persistence.js';
export type { RegionStoreOptions, SnapshotPolicy } from './persistence.js';
export type { PrimaryReplicationOptions } from './primary-role.js';
export type { ReplicaReplicationOptions } from './replica-role.js';
export { HistoryFile, MemoryHistory, PersistentApplier } from './replica-store.js';
export type { HistoryStore } from './replica-store.js';
export type { RegionAddress, ReplicaView } from './report.js';
export type { Report, ReportDetail } from '@meridian/metrics';
export * from './pubsub/index.js';
export { RespServer, RESP_SERVER_LIMITS_DEFAULT, KeyspaceChanges } from './resp/index.js';
export type { RespServerLimits } from './resp/index.js';
export { TrafficStats, TRAFFIC_WINDOW_MS, isReadOnlyRequest } from './traffic.js';
export type { TrafficView } from './traffic.js';
export { EpochHistory, epochOfHistory } from './epochs.js';
export type { EpochStart } from './epochs.js';
export type { ElectionEndpoint } from './node.js';
