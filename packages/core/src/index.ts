export { parseConsistency, formatConsistency, CONSISTENCY_SYNTAX } from './consistency.js';
export type { Consistency } from './consistency.js';
export {
  PrimaryExecutor,
  isWait,
  epochMarkerEffect,
  epochOfMarker,
  DURABILITY_HEADER,
  ERR_NOREPLICAS,
  MAJORITY_WAIT_MS_DEFAULT,
} from './primary-executor.js';
export type {
  CommandRouter,
  CommandBatch,
  BatchOutcome,
  ForwardedOutcome,
  PrimaryExecutorOptions,
  ReplicaAcks,
  RunContext,
  RunResult,
} from './primary-executor.js';
export { ReplicaExecutor } from './replica-executor.js';
export type { ReplicaExecutorOptions, ReplicaPosition } from './replica-executor.js';
export { FORWARDED_BY_HEADER } from './ports.js';
export type { Forwarder, RestResponse } from './ports.js';
export { decideRead } from './read-decision.js';
export type { ReadDecider, ReadDecision, ReadToken, ReplicaReadState, ForwardReason } from './read-decision.js';
export { PIPELINE_SLICE_COMMANDS_DEFAULT, runInSlices, clockTurn } from './pipeline-slices.js';
export type { YieldTurn } from './pipeline-slices.js';
export { Election, ELECTION_DEFAULTS, comparePositions, checkElectionSettings } from './election.js';
export type {
  ElectionEvent,
  ElectionMessage,
  ElectionOptions,
  ElectionPorts,
  ElectionRegion,
  ElectionRole,
  ElectionSettings,
  ElectionState,
  LogPosition,
} from './election.js';
