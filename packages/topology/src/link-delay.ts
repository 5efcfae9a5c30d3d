import { geoDelayMs } from '@meridian/lag';
import { type DistributionConfig, regionByName, type TopologyConfig } from './config.js';

/**
 * The configured one-way base delay from region `from` to region `to`: the link's override, else
 * the network's fixed delay, else the great-circle delay between them. The one computation the
 * node's links, the simulator's links and the router's client ranking share.
 */
export function linkDelayMs(config: TopologyConfig, from: string, to: string): number {
  const override = config.network.links.find((link) => link.from === from && link.to === to);
  if (override?.delayMs !== undefined) return override.delayMs;
  const delay = config.network.delay;
  if (delay !== 'geo') return delay;
  const a = regionByName(config, from);
  const b = regionByName(config, to);
  return a === undefined || b === undefined ? 0 : geoDelayMs(a.location, b.location);
}

/**
 * The configured jitter of the link from region `from` to region `to`: the link's override, else the
 * network's (undefined: none configured). The node's links, the simulator's and calibrate's share it.
 */
export function linkJitter(config: TopologyConfig, from: string, to: string): DistributionConfig | undefined {
  const override = config.network.links.find((link) => link.from === from && link.to === to);
  return override?.jitter ?? config.network.jitter;
}

/**
 * Regions ordered by `delayOf(region)`, nearest first; ties go in the config's order. The one
 * tie-break the router and the simulator use.
 */
export function byDelay(config: TopologyConfig, delayOf: (region: string) => number): string[] {
  return config.regions
    .map((region, index) => ({ name: region.name, index, delayMs: delayOf(region.name) }))
    .sort((a, b) => a.delayMs - b.delayMs || a.index - b.index)
    .map((entry) => entry.name);
}
