export { linkDelayMs, linkJitter, byDelay } from './link-delay.js';
export {
  parseTopology,
  applyEnvironment,
  regionByName,
  regionBaseUrl,
  regionBind,
  regionTlsFiles,
  routerTlsFiles,
  ConfigError,
  MAX_MEMORY_POLICIES,
  MAX_MEMORY_BYTES_MIN,
  MAX_MEMORY_BYTES_MAX,
  DEFAULT_RESP_PORT_OFFSET,
} from './config.js';
export type {
  TopologyConfig,
  RegionConfig,
  LinkOverride,
  DistributionConfig,
  Durability,
  SimulationCosts,
  JitterMode,
  MaxMemoryPolicyName,
  TlsConfig,
  TlsFiles,
  FailoverConfig,
} from './config.js';
