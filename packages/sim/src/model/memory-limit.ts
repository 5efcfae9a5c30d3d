import type { MemoryLimit } from '@meridian/engine';
import type { TopologyConfig } from '@meridian/topology';

/**
 * The simulated primary's maxmemory: regions.yaml's (the region's own, else the top level). Without
 * one the simulator sets no limit — a share of this machine's heap would make runs differ between
 * machines.
 */
export function simMemoryLimit(config: TopologyConfig, region: string): MemoryLimit {
  const self = config.regions.find((candidate) => candidate.name === region);
  return {
    maxMemoryBytes: self?.maxMemoryBytes ?? config.maxMemoryBytes ?? 0,
    policy: self?.maxMemoryPolicy ?? config.maxMemoryPolicy,
  };
}
