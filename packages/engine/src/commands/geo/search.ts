import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_SYNTAX } from '../../errors.js';
import { CommandError, type Reply } from '../../reply.js';
import { ZSetValue } from '../../types/zset.js';
import { parseScore, requireLong, storedScore, storeZSet } from '../zsets/zset-access.js';
import { coordinatesReply, formatDistance, memberPosition, parseLongLat, parseUnit, readGeoSet } from './geo-access.js';
import { type HashBits, type Shape, align52, decodeScore, distanceIfInShape, searchCells } from './geohash.js';

/** Which command runs the search: it decides where the arguments start and which options exist. */
export type SearchKind =
  'georadius' | 'georadius_ro' | 'georadiusbymember' | 'georadiusbymember_ro' | 'geosearch' | 'geosearchstore';

interface Found {
  member: ByteString;
  score: number;
  distance: number;
  position: [number, number];
}

interface Options {
  withDist: boolean;
  withHash: boolean;
  withCoord: boolean;
  any: boolean;
  sort: 'none' | 'asc' | 'desc';
  count: number;
  storeKey: ByteString | undefined;
  storeDist: boolean;
  center: [number, number] | undefined;
  fromMember: boolean;
  fromLonLat: boolean;
  radius: { radius: number; toMeters: number } | undefined;
  box: { width: number; height: number; toMeters: number } | undefined;
}

function parseRadius(value: ByteString, unit: ByteString): { radius: number; toMeters: number } {
  const radius = parseScore(value, 'ERR need numeric radius');
  if (radius < 0) throw new CommandError('ERR radius cannot be negative');
  return { radius, toMeters: parseUnit(unit) };
}

function parseBox(
  width: ByteString,
  height: ByteString,
  unit: ByteString,
): { width: number; height: number; toMeters: number } {
  const w = parseScore(width, 'ERR need numeric width');
  const h = parseScore(height, 'ERR need numeric height');
  if (h < 0 || w < 0) throw new CommandError('ERR height or width cannot be negative');
  return { width: w, height: h, toMeters: parseUnit(unit) };
}

function isSearch(kind: SearchKind): boolean {
  return kind === 'geosearch' || kind === 'geosearchstore';
}

/** The optional arguments, in georadiusGeneric's order and with its errors. */
function parseOptions(
  kind: SearchKind,
  argv: readonly ByteString[],
  base: number,
  zset: ZSetValue | undefined,
  options: Options,
): void {
  const search = isSearch(kind);
  const noStore = kind.endsWith('_ro');
  const remaining = argv.length - base;
  for (let i = 0; i < remaining; i++) {
    const arg = (argv[base + i] as ByteString).toLowerCase();
    const at = (offset: number): ByteString => argv[base + i + offset] as ByteString;
    if (arg === 'withdist') options.withDist = true;
    else if (arg === 'withhash') options.withHash = true;
    else if (arg === 'withcoord') options.withCoord = true;
    else if (arg === 'any') options.any = true;
    else if (arg === 'asc') options.sort = 'asc';
    else if (arg === 'desc') options.sort = 'desc';
    else if (arg === 'count' && i + 1 < remaining) {
      const count = requireLong(at(1));
      if (count <= 0) throw new CommandError('ERR COUNT must be > 0');
      options.count = count;
      i++;
    } else if ((arg === 'store' || arg === 'storedist') && i + 1 < remaining && !noStore && !search) {
      options.storeKey = at(1);
      options.storeDist = arg === 'storedist';
      i++;
    } else if (arg === 'storedist' && kind === 'geosearchstore') {
      options.storeDist = true;
    } else if (arg === 'frommember' && i + 1 < remaining && search && !options.fromLonLat) {
      if (zset !== undefined) {
        const position = memberPosition(zset, at(1));
        if (position === undefined) throw new CommandError('ERR could not decode requested zset member');
        options.center = position;
      }
      options.fromMember = true;
      i++;
    } else if (arg === 'fromlonlat' && i + 2 < remaining && search && !options.fromMember) {
      options.center = parseLongLat(at(1), at(2));
      options.fromLonLat = true;
      i += 2;
    } else if (arg === 'byradius' && i + 2 < remaining && search && options.box === undefined) {
      options.radius = parseRadius(at(1), at(2));
      i += 2;
    } else if (arg === 'bybox' && i + 3 < remaining && search && options.radius === undefined) {
      options.box = parseBox(at(1), at(2), at(3));
      i += 3;
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
}

/** geoGetPointsInRange over every cell, skipping a cell equal to the one scanned before it. */
function collect(zset: ZSetValue, shape: Shape, limit: number): Found[] {
  const found: Found[] = [];
  const cells = searchCells(shape);
  let lastProcessed = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (cell === undefined) continue;
    const last = cells[lastProcessed] as HashBits | undefined;
    if (lastProcessed !== 0 && last !== undefined && cell.bits === last.bits && cell.step === last.step) continue;
    if (found.length > 0 && limit > 0 && found.length >= limit) break;
    const min = align52(cell);
    const max = align52({ bits: cell.bits + 1n, step: cell.step });
    for (const entry of zset.entries(zset.countScoresBelow(min, false))) {
      if (entry.score >= max) break;
      if (found.length > 0 && limit > 0 && found.length >= limit) break;
      const position = decodeScore(entry.score);
      const distance = distanceIfInShape(shape, position[0], position[1]);
      if (distance !== undefined) found.push({ member: entry.member, score: entry.score, distance, position });
    }
    lastProcessed = i;
  }
  return found;
}

function replyFor(found: Found, options: Options, toMeters: number): Reply {
  if (!options.withDist && !options.withHash && !options.withCoord) return found.member;
  const item: Reply[] = [found.member];
  if (options.withDist) item.push(formatDistance(found.distance / toMeters));
  if (options.withHash) item.push(Number.isSafeInteger(found.score) ? found.score : BigInt(found.score));
  if (options.withCoord) item.push(coordinatesReply(found.position));
  return item;
}

function store(ctx: ExecContext, key: ByteString, found: readonly Found[], options: Options, toMeters: number): number {
  const zset = new ZSetValue();
  for (const item of found)
    zset.setCopied(item.member, storedScore(options.storeDist ? item.distance / toMeters : item.score));
  return storeZSet(ctx, key, zset);
}

/** The shared body of GEORADIUS*, GEOSEARCH and GEOSEARCHSTORE (Redis's georadiusGeneric). */
export function georadiusGeneric(ctx: ExecContext, argv: readonly ByteString[], kind: SearchKind): Reply {
  const sourceIndex = kind === 'geosearchstore' ? 2 : 1;
  const zset = readGeoSet(ctx, argv[sourceIndex] as ByteString);
  const options: Options = {
    withDist: false,
    withHash: false,
    withCoord: false,
    any: false,
    sort: 'none',
    count: 0,
    storeKey: kind === 'geosearchstore' ? (argv[1] as ByteString) : undefined,
    storeDist: false,
    center: undefined,
    fromMember: false,
    fromLonLat: false,
    radius: undefined,
    box: undefined,
  };
  let base: number;
  if (kind === 'georadius' || kind === 'georadius_ro') {
    base = 6;
    options.center = parseLongLat(argv[2] as ByteString, argv[3] as ByteString);
    options.radius = parseRadius(argv[4] as ByteString, argv[5] as ByteString);
  } else if (kind === 'georadiusbymember' || kind === 'georadiusbymember_ro') {
    base = 5;
    if (zset !== undefined) {
      const position = memberPosition(zset, argv[2] as ByteString);
      if (position === undefined) throw new CommandError('ERR could not decode requested zset member');
      options.center = position;
      options.radius = parseRadius(argv[3] as ByteString, argv[4] as ByteString);
    }
  } else {
    base = kind === 'geosearchstore' ? 3 : 2;
  }
  parseOptions(kind, argv, base, zset, options);
  if (options.storeKey !== undefined && (options.withDist || options.withHash || options.withCoord)) {
    const who = kind === 'geosearchstore' ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS';
    throw new CommandError(`ERR ${who} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  const name = argv[0] as ByteString;
  if (isSearch(kind) && !(options.fromMember || options.fromLonLat)) {
    throw new CommandError(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${name}`);
  }
  if (isSearch(kind) && options.radius === undefined && options.box === undefined) {
    throw new CommandError(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${name}`);
  }
  if (options.any && options.count === 0) throw new CommandError('ERR the ANY argument requires COUNT argument');
  if (zset === undefined) {
    if (options.storeKey === undefined) return [];
    if (ctx.lookup(options.storeKey) !== undefined && ctx.deleteKey(options.storeKey)) {
      ctx.propagate(['DEL', options.storeKey]);
    }
    return 0;
  }
  if (options.count !== 0 && options.sort === 'none' && !options.any) options.sort = 'asc';
  const [longitude, latitude] = options.center as [number, number];
  const shape: Shape =
    options.box !== undefined
      ? { kind: 'box', longitude, latitude, ...options.box }
      : { kind: 'radius', longitude, latitude, ...(options.radius as { radius: number; toMeters: number }) };
  const found = collect(zset, shape, options.any ? options.count : 0);
  if (found.length === 0 && options.storeKey === undefined) return [];
  if (options.sort === 'asc') found.sort((a, b) => a.distance - b.distance);
  else if (options.sort === 'desc') found.sort((a, b) => b.distance - a.distance);
  const returned = options.count === 0 || found.length < options.count ? found.length : options.count;
  const kept = found.slice(0, returned);
  if (options.storeKey !== undefined) return store(ctx, options.storeKey, kept, options, shape.toMeters);
  return kept.map((item) => replyFor(item, options, shape.toMeters));
}
