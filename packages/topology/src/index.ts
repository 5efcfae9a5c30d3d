export { parseTopology, applyEnvironment, regionByName, ConfigError } from './config.js';
export type {
  TopologyConfig,
  RegionConfig,
  LinkOverride,
  DistributionConfig,
  Durability,
  JitterMode,
} from './config.js';
