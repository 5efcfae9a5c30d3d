export { runStalenessExperiment, replayCommand, ExperimentUnavailableError } from './experiment.js';
export type { ExperimentResult } from './experiment.js';
export { writeExperimentOutputs, csvFiles, formatTerminalTable } from './outputs.js';
export { defaultExperimentOptions, nodeCostsOf, validateOptions, ExperimentConfigError } from './options.js';
export type { ExperimentOptions, WorkloadOptions, KeyPopularity, ProgressReport } from './options.js';
export { parseFaultSchedule, faultWindow, faultLabel } from './faults.js';
export type { FaultSpec, FaultWindow } from './faults.js';
export type { LiveTopology, LiveRegion, LiveSubscription } from './live.js';
export { SimulationInvariantError } from './model/invariants.js';
export { simulate, SIM_EPOCH_MS } from './model/simulation.js';
export type { SimulationOutcome } from './model/simulation.js';
export { summarize, VISIBILITY_METHOD, PUBSUB_METHOD, SUMMARY_FORMAT } from './summary.js';
export type {
  ExperimentSummary,
  RegionSummary,
  ReadFigures,
  WriteFigures,
  PubsubFigures,
  VisibilityPoint,
} from './summary.js';
export { renderReport } from './report-html.js';
export { experimentOptionsFromFlags, progressLine, stalenessExperiment } from './cli-command.js';
export { costExperiment } from './cost-command.js';
export { EXPERIMENTS, registerExperimentCommand } from './experiments.js';
export type { ExperimentCommandHooks, ExperimentPlugin } from './cli-command.js';
export { benchSimulator, benchSimulatorMemory, topologyWithRegions } from './bench.js';
export { benchNodeCodeFloor } from './node-code-floor.js';
export type { NodeCodeFloorOptions, NodeCodeFloorResult } from './node-code-floor.js';
export type { BenchMemoryResult, BenchResult } from './bench.js';
export { orderedLinkVisibility, perLinkVisibility, percentiles, quantile } from './stats.js';
export { HttpLiveTopology, LiveRequestError } from './live-http.js';
export type { HttpLiveTopologyOptions } from './live-http.js';
export type { LiveAnswer } from './live.js';
export { runLiveExperiment, LiveRun } from './live-run.js';
export type { LiveOutcome, LiveProbe } from './live-run.js';
export {
  LIVE_PROBES_PER_SECOND_DEFAULT,
  LIVE_POLL_INTERVAL_MS_DEFAULT,
  LIVE_REQUESTS_IN_FLIGHT_MAX,
  LIVE_DRAIN_MS_MAX,
} from './live-run.js';
export { summarizeLive, LIVE_VISIBILITY_METHODS, LIVE_PUBSUB_METHOD } from './live-summary.js';
export { relocateTopologyText } from './live-config.js';
export type { TopologyPlacement } from './live-config.js';
export { kolmogorovSmirnov } from './live-stats.js';
export type { KolmogorovSmirnovResult } from './live-stats.js';
export { LIVE_DEFAULTS } from './cli-command.js';
export type { LiveLaunchRequest, LiveSession, StalenessFlags } from './cli-command.js';
export type { LiveProbeOptions } from './options.js';
export { ARTICLE_CROSSOVER, costCsv, costHtml, costLines, costOf, DEFAULT_PRICING, parsePricing } from './cost.js';
export type { CostPoint, CostReport, Pricing } from './cost.js';
export { PRIMARY_LOG_RETENTION, REPLICA_ENTRIES_BEFORE_SNAPSHOT } from './model/nodes.js';
export type { PrimaryLogRetention } from './model/nodes.js';
export { runFailoverSimulation, randomFaults, failoverReplayCommand, FAULT_KINDS } from './failover/run.js';
export type { FailoverRunOptions, FailoverRunResult, FaultMeasure, PlannedFault, FaultKind } from './failover/run.js';
export type { Operation as FailoverOperation, Violation as FailoverViolation } from './failover/checkers.js';
export { measureFailover, failoverTable, MEASURED_FAULTS } from './failover-command.js';
export { runLiveFailover, LIVE_FAILOVER_FAULTS } from './failover-live.js';
export type { LiveFailoverFault, LiveFailoverOptions } from './failover-live.js';
export type { FailoverStatus } from './live.js';
export {
  BUILTIN_NODE_COSTS,
  PATH_QUANTILES_MAX,
  WAKE_UP_QUANTILES,
  ZERO_NODE_COSTS,
  drawFromQuantiles,
  loneEntryCostMs,
  replicaQueueMs,
} from './model/node-costs.js';
export type { NodeCosts } from './model/node-costs.js';
export { CALIBRATION_FORMAT, calibrationProblem, loadNodeCosts } from './node-costs-file.js';
export type { CalibrationFile } from './node-costs-file.js';
