/**
 * Redis's geohash.c and geohash_helper.c: 52-bit interleaved scores (latitude on even bits,
 * longitude on odd), decoding to the centre of the cell, neighbours, the search areas of a shape,
 * and the haversine distance on Redis's Earth radius.
 */
export const STEP_MAX = 26;
export const LAT_MIN = -85.05112878;
export const LAT_MAX = 85.05112878;
export const LONG_MIN = -180;
export const LONG_MAX = 180;
import { asin, cos, sin } from './libm.js';

const EARTH_RADIUS_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const DEG_TO_RAD = Math.PI / 180.0;

export interface Range {
  min: number;
  max: number;
}

export interface Area {
  longitude: Range;
  latitude: Range;
}

/** A cell: its interleaved bits and its step (bits per coordinate). */
export interface HashBits {
  bits: bigint;
  step: number;
}

const WGS84_LONG: Range = { min: LONG_MIN, max: LONG_MAX };
const WGS84_LAT: Range = { min: LAT_MIN, max: LAT_MAX };

const degRad = (degrees: number): number => degrees * DEG_TO_RAD;
const radDeg = (radians: number): number => radians / DEG_TO_RAD;

/** Spreads the low 32 bits of `value` to the even bit positions of a 64-bit value. */
function spread(value: number): bigint {
  let out = 0n;
  for (let i = 0; i < 32; i++) if ((value >>> i) & 1) out |= 1n << BigInt(2 * i);
  return out;
}

/** Gathers the even bit positions of `bits` into a 32-bit number. */
function gather(bits: bigint): number {
  let out = 0;
  for (let i = 0; i < 32; i++) if ((bits >> BigInt(2 * i)) & 1n) out = (out | (1 << i)) >>> 0;
  return out;
}

/** geohashEncode: undefined outside the ranges (the caller has checked WGS84 limits). */
export function encode(
  longRange: Range,
  latRange: Range,
  longitude: number,
  latitude: number,
  step: number,
): HashBits | undefined {
  if (longitude > LONG_MAX || longitude < LONG_MIN || latitude > LAT_MAX || latitude < LAT_MIN) return undefined;
  if (latitude < latRange.min || latitude > latRange.max || longitude < longRange.min || longitude > longRange.max) {
    return undefined;
  }
  const scale = 2 ** step;
  const latOffset = ((latitude - latRange.min) / (latRange.max - latRange.min)) * scale;
  const longOffset = ((longitude - longRange.min) / (longRange.max - longRange.min)) * scale;
  const bits = spread(Math.trunc(latOffset) >>> 0) | (spread(Math.trunc(longOffset) >>> 0) << 1n);
  return { bits, step };
}

export function encodeWGS84(longitude: number, latitude: number, step: number): HashBits | undefined {
  return encode(WGS84_LONG, WGS84_LAT, longitude, latitude, step);
}

/** geohashAlign52Bits: the cell's first score. */
export function align52(hash: HashBits): number {
  return Number(hash.bits << BigInt(52 - hash.step * 2));
}

export function decode(longRange: Range, latRange: Range, hash: HashBits): Area {
  const latCell = gather(hash.bits);
  const longCell = gather(hash.bits >> 1n);
  const scale = 2 ** hash.step;
  const latScale = latRange.max - latRange.min;
  const longScale = longRange.max - longRange.min;
  return {
    latitude: {
      min: latRange.min + (latCell / scale) * latScale,
      max: latRange.min + (((latCell + 1) >>> 0) / scale) * latScale,
    },
    longitude: {
      min: longRange.min + (longCell / scale) * longScale,
      max: longRange.min + (((longCell + 1) >>> 0) / scale) * longScale,
    },
  };
}

/** decodeGeohash: a member's score to [longitude, latitude], the centre of its step-26 cell. */
export function decodeScore(score: number): [number, number] {
  const area = decode(WGS84_LONG, WGS84_LAT, { bits: BigInt(score), step: STEP_MAX });
  let longitude = (area.longitude.min + area.longitude.max) / 2;
  if (longitude > LONG_MAX) longitude = LONG_MAX;
  if (longitude < LONG_MIN) longitude = LONG_MIN;
  let latitude = (area.latitude.min + area.latitude.max) / 2;
  if (latitude > LAT_MAX) latitude = LAT_MAX;
  if (latitude < LAT_MIN) latitude = LAT_MIN;
  return [longitude, latitude];
}

export function latitudeDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS_METERS * Math.abs(degRad(lat2) - degRad(lat1));
}

/** geohashGetDistance: haversine in meters (latitude-only shortcut when longitudes agree). */
export function distance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const v = sin((degRad(lon2) - degRad(lon1)) / 2);
  if (v === 0.0) return latitudeDistance(lat1, lat2);
  const lat1r = degRad(lat1);
  const lat2r = degRad(lat2);
  const u = sin((lat2r - lat1r) / 2);
  const a = u * u + cos(lat1r) * cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_METERS * asin(Math.sqrt(a));
}

/** A search shape: centre, unit conversion, and a radius or a width × height box (in the unit). */
export type Shape =
  | { kind: 'radius'; longitude: number; latitude: number; toMeters: number; radius: number }
  | { kind: 'box'; longitude: number; latitude: number; toMeters: number; width: number; height: number };

/** The distance from the shape's centre when the point lies inside it, else undefined. */
export function distanceIfInShape(shape: Shape, longitude: number, latitude: number): number | undefined {
  if (shape.kind === 'radius') {
    const d = distance(shape.longitude, shape.latitude, longitude, latitude);
    return d > shape.radius * shape.toMeters ? undefined : d;
  }
  const widthMeters = shape.width * shape.toMeters;
  const heightMeters = shape.height * shape.toMeters;
  if (latitudeDistance(latitude, shape.latitude) > heightMeters / 2) return undefined;
  if (distance(longitude, latitude, shape.longitude, latitude) > widthMeters / 2) return undefined;
  return distance(shape.longitude, shape.latitude, longitude, latitude);
}

function moveX(hash: HashBits, direction: number): HashBits {
  const odd = 0xaaaaaaaaaaaaaaaan;
  const even = 0x5555555555555555n;
  const shift = BigInt(64 - hash.step * 2);
  let x = hash.bits & odd;
  const y = hash.bits & even;
  const zz = even >> shift;
  if (direction > 0) x = x + (zz + 1n);
  else x = (x | zz) - (zz + 1n);
  x = BigInt.asUintN(64, x) & (odd >> shift);
  return { bits: x | y, step: hash.step };
}

function moveY(hash: HashBits, direction: number): HashBits {
  const odd = 0xaaaaaaaaaaaaaaaan;
  const even = 0x5555555555555555n;
  const shift = BigInt(64 - hash.step * 2);
  const x = hash.bits & odd;
  let y = hash.bits & even;
  const zz = odd >> shift;
  if (direction > 0) y = y + (zz + 1n);
  else y = (y | zz) - (zz + 1n);
  y = BigInt.asUintN(64, y) & (even >> shift);
  return { bits: x | y, step: hash.step };
}

function move(hash: HashBits, dx: number, dy: number): HashBits {
  let moved = hash;
  if (dx !== 0) moved = moveX(moved, dx);
  if (dy !== 0) moved = moveY(moved, dy);
  return moved;
}

function estimateSteps(rangeMetersStart: number, latitude: number): number {
  if (rangeMetersStart === 0) return 26;
  let rangeMeters = rangeMetersStart;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (latitude > 66 || latitude < -66) {
    step--;
    if (latitude > 80 || latitude < -80) step--;
  }
  return Math.min(26, Math.max(1, step));
}

function boundingBox(shape: Shape): [number, number, number, number] {
  const half = (size: number): number => size / 2;
  const height = shape.toMeters * (shape.kind === 'radius' ? shape.radius : half(shape.height));
  const width = shape.toMeters * (shape.kind === 'radius' ? shape.radius : half(shape.width));
  const latDelta = radDeg(height / EARTH_RADIUS_METERS);
  const longDeltaTop = radDeg(width / EARTH_RADIUS_METERS / cos(degRad(shape.latitude + latDelta)));
  const longDeltaBottom = radDeg(width / EARTH_RADIUS_METERS / cos(degRad(shape.latitude - latDelta)));
  const southern = shape.latitude < 0;
  return [
    southern ? shape.longitude - longDeltaBottom : shape.longitude - longDeltaTop,
    shape.latitude - latDelta,
    southern ? shape.longitude + longDeltaBottom : shape.longitude + longDeltaTop,
    shape.latitude + latDelta,
  ];
}

/**
 * geohashCalculateAreasByShapeWGS84: the cells to scan, in Redis's order (centre, north, south,
 * east, west, north-east, north-west, south-east, south-west); undefined for a cell left out.
 */
export function searchCells(shape: Shape): (HashBits | undefined)[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(shape);
  const radiusMeters =
    shape.kind === 'radius'
      ? shape.radius * shape.toMeters
      : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2)) * shape.toMeters;
  let steps = estimateSteps(radiusMeters, shape.latitude);
  const cellsAt = (step: number): HashBits[] => {
    const centre = encode(WGS84_LONG, WGS84_LAT, shape.longitude, shape.latitude, step) as HashBits;
    return [
      centre,
      move(centre, 0, 1),
      move(centre, 0, -1),
      move(centre, 1, 0),
      move(centre, -1, 0),
      move(centre, 1, 1),
      move(centre, -1, 1),
      move(centre, 1, -1),
      move(centre, -1, -1),
    ];
  };
  let cells = cellsAt(steps);
  const areaOf = (cell: HashBits): Area => decode(WGS84_LONG, WGS84_LAT, cell);
  const north = areaOf(cells[1] as HashBits);
  const south = areaOf(cells[2] as HashBits);
  const east = areaOf(cells[3] as HashBits);
  const west = areaOf(cells[4] as HashBits);
  const decrease =
    north.latitude.max < maxLat ||
    south.latitude.min > minLat ||
    east.longitude.max < maxLon ||
    west.longitude.min > minLon;
  if (steps > 1 && decrease) {
    steps--;
    cells = cellsAt(steps);
  }
  const area = areaOf(cells[0] as HashBits);
  const kept: (HashBits | undefined)[] = cells;
  if (steps >= 2) {
    const drop = (indexes: number[]): void => {
      for (const index of indexes) kept[index] = undefined;
    };
    if (area.latitude.min < minLat) drop([2, 8, 7]);
    if (area.latitude.max > maxLat) drop([1, 5, 6]);
    if (area.longitude.min < minLon) drop([4, 8, 6]);
    if (area.longitude.max > maxLon) drop([3, 7, 5]);
  }
  return kept;
}

const ALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/** GEOHASH's 11-character text: the point re-encoded on the standard ±90° latitude range. */
export function geohashText(longitude: number, latitude: number): string {
  const hash = encode({ min: -180, max: 180 }, { min: -90, max: 90 }, longitude, latitude, 26);
  const bits = hash?.bits ?? 0n;
  let text = '';
  for (let i = 0; i < 11; i++) {
    const index = i === 10 ? 0 : Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn);
    text += ALPHABET[index] as string;
  }
  return text;
}
