import { type GeoPoint, geoDelayMs } from '@meridian/lag';
import { byDelay, linkDelayMs, type TopologyConfig } from '@meridian/topology';

/** Where a client is: a named region (its location) or a point given by the client. */
export interface ClientLocation {
  readonly region: string | undefined;
  readonly point: GeoPoint;
}

export const REGION_HEADER = 'x-meridian-region';
export const LOCATION_HEADER = 'x-meridian-location';
export const CONSISTENCY_HEADER = 'x-meridian-consistency';

/** A header the router cannot act on; answered with 400 and this message. Code MERIDIAN_ROUTER_HEADER_INVALID. */
export class HeaderError extends Error {
  readonly code = 'MERIDIAN_ROUTER_HEADER_INVALID';
}

const LAT_LON = /^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$/;

/**
 * The client's location from `x-meridian-region` or `x-meridian-location: <lat>,<lon>`, else the
 * router's own region. Throws HeaderError for an unknown region or a malformed point.
 */
export function locateClient(
  config: TopologyConfig,
  regionHeader: string | undefined,
  locationHeader: string | undefined,
): ClientLocation {
  if (regionHeader !== undefined && regionHeader.trim() !== '') {
    const name = regionHeader.trim().toLowerCase();
    const region = config.regions.find((candidate) => candidate.name === name);
    if (region === undefined) {
      const names = config.regions.map((candidate) => candidate.name).join(', ');
      throw new HeaderError(`ERR unknown region "${name}" in ${REGION_HEADER} (regions are: ${names})`);
    }
    return { region: region.name, point: region.location };
  }
  if (locationHeader !== undefined && locationHeader.trim() !== '') {
    const match = LAT_LON.exec(locationHeader);
    const lat = Number(match?.[1]);
    const lon = Number(match?.[2]);
    if (match === null || !(Math.abs(lat) <= 90) || !(Math.abs(lon) <= 180)) {
      throw new HeaderError(`ERR ${LOCATION_HEADER} must be "<lat>,<lon>" in degrees, like "1.35,103.8"`);
    }
    return { region: undefined, point: { lat, lon } };
  }
  const own = config.regions.find((candidate) => candidate.name === config.router.region);
  return { region: config.router.region, point: own?.location ?? { lat: 0, lon: 0 } };
}

/**
 * The modelled one-way delay from the client to a region: 0 inside the region, a configured
 * link override or fixed delay for a client in a known region, else the great-circle delay.
 */
export function clientDelayMs(config: TopologyConfig, client: ClientLocation, regionName: string): number {
  const region = config.regions.find((candidate) => candidate.name === regionName);
  if (region === undefined) return 0;
  if (client.region !== undefined) {
    if (client.region === regionName) return 0;
    const override = config.network.links.find((link) => link.from === client.region && link.to === regionName);
    if (override?.delayMs !== undefined || typeof config.network.delay === 'number') {
      return linkDelayMs(config, client.region, regionName);
    }
  }
  return geoDelayMs(client.point, region.location);
}

/** Rankings already made, per topology: clients come from a few places, and a ranking is a sort of great circles. */
const rankings = new WeakMap<TopologyConfig, Map<string, readonly string[]>>();
const RANKINGS_PER_TOPOLOGY_MAX = 4096;

/**
 * Region names ordered by modelled delay from the client, nearest first (ties by config order).
 * A topology is not changed once loaded, so the ranking for a place is kept (bounded) and shared:
 * callers must not change the list.
 */
export function rankRegions(config: TopologyConfig, client: ClientLocation): readonly string[] {
  let known = rankings.get(config);
  if (known === undefined) rankings.set(config, (known = new Map()));
  // A client in a named region is at that region's location (locateClient): the name says it all.
  const place = client.region ?? `@${client.point.lat},${client.point.lon}`;
  const cached = known.get(place);
  if (cached !== undefined) return cached;
  const ranked = byDelay(config, (region) => clientDelayMs(config, client, region));
  if (known.size >= RANKINGS_PER_TOPOLOGY_MAX) known.clear();
  known.set(place, ranked);
  return ranked;
}
