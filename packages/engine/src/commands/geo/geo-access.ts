import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { CommandError, type Reply } from '../../reply.js';
import type { ZSetValue } from '../../types/zset.js';
import { formatLongDouble } from '../strings/long-double.js';
import { parseScore, readZSet } from '../zsets/zset-access.js';
import { LAT_MAX, LAT_MIN, LONG_MAX, LONG_MIN, decodeScore } from './geohash.js';

export { readZSet };

/** An exact double as sign, significand and power of two. */
function decompose(value: number): { negative: boolean; significand: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const high = view.getUint32(0);
  const low = view.getUint32(4);
  const negative = high >>> 31 === 1;
  const biased = (high >>> 20) & 0x7ff;
  let significand = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
  if (biased !== 0) significand |= 1n << 52n;
  return { negative, significand, exponent: (biased === 0 ? 1 : biased) - 1075 };
}

/** addReplyHumanLongDouble of a double: `%.17Lf` of its exact value, trailing zeros removed. */
export function formatCoordinate(value: number): ByteString {
  return formatLongDouble(decompose(value));
}

/**
 * printf's `%.<decimals>f`: the exact value rounded half to even, `-` kept on negative zero, and
 * glibc's `inf` / `-inf` for infinities.
 */
function formatFixed(value: number, decimals: number): ByteString {
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  const { negative, significand, exponent } = decompose(value);
  const unit = 10n ** BigInt(decimals);
  const scaled = significand * unit;
  let units: bigint;
  if (exponent >= 0) units = scaled << BigInt(exponent);
  else {
    const divisor = 1n << BigInt(-exponent);
    units = scaled / divisor;
    const twice = (scaled % divisor) * 2n;
    if (twice > divisor || (twice === divisor && (units & 1n) === 1n)) units++;
  }
  const text = `${units / unit}.${(units % unit).toString().padStart(decimals, '0')}`;
  return negative ? `-${text}` : text;
}

/** printf's `%.4f` (distances). */
export function formatDistance(value: number): ByteString {
  return formatFixed(value, 4);
}

/** extractLongLatOrReply: two doubles within the WGS84 limits Redis indexes. */
export function parseLongLat(longitudeText: ByteString, latitudeText: ByteString): [number, number] {
  const longitude = parseScore(longitudeText);
  const latitude = parseScore(latitudeText);
  if (longitude < LONG_MIN || longitude > LONG_MAX || latitude < LAT_MIN || latitude > LAT_MAX) {
    throw new CommandError(
      `ERR invalid longitude,latitude pair ${formatFixed(longitude, 6)},${formatFixed(latitude, 6)}`,
    );
  }
  return [longitude, latitude];
}

/** extractUnitOrReply: meters per unit. */
export function parseUnit(text: ByteString): number {
  switch (text.toLowerCase()) {
    case 'm':
      return 1;
    case 'km':
      return 1000;
    case 'ft':
      return 0.3048;
    case 'mi':
      return 1609.34;
    default:
      throw new CommandError('ERR unsupported unit provided. please use M, KM, FT, MI');
  }
}

/** A member's position, or undefined when it is not in the set. */
export function memberPosition(zset: ZSetValue | undefined, member: ByteString): [number, number] | undefined {
  const score = zset?.score(member);
  return score === undefined ? undefined : decodeScore(score);
}

/** The coordinates reply of GEOPOS and WITHCOORD. */
export function coordinatesReply(position: readonly [number, number]): Reply[] {
  return [formatCoordinate(position[0]), formatCoordinate(position[1])];
}

export function readGeoSet(ctx: ExecContext, key: ByteString): ZSetValue | undefined {
  return readZSet(ctx, key);
}
