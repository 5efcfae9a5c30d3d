/** A point on Earth in degrees. */
export interface GeoPoint {
  readonly lat: number;
  readonly lon: number;
}

const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle (haversine) distance in km. */
export function greatCircleKm(a: GeoPoint, b: GeoPoint): number {
  const radians = Math.PI / 180;
  const dLat = (b.lat - a.lat) * radians;
  const dLon = (b.lon - a.lon) * radians;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * radians) * Math.cos(b.lat * radians) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export const SINGAPORE: GeoPoint = { lat: 1.35, lon: 103.8 };
export const NORTH_VIRGINIA: GeoPoint = { lat: 38.9, lon: -77.4 };

/**
 * One-way delay per km of great-circle distance, calibrated so that Singapore ↔ N. Virginia has a
 * round trip of 200 ms (what AWS inter-region pings show). The implied ~0.52c folds in fibre's
 * refractive index and routes longer than the great circle.
 */
export const ONE_WAY_MS_PER_KM = 100 / greatCircleKm(SINGAPORE, NORTH_VIRGINIA);

/** The default one-way base delay between two locations. */
export function geoDelayMs(a: GeoPoint, b: GeoPoint): number {
  return greatCircleKm(a, b) * ONE_WAY_MS_PER_KM;
}
