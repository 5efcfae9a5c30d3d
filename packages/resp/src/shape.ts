import type { ByteString, Reply } from '@meridian/engine';
import { ReplyError } from '@meridian/engine';
import { NULL_ARRAY, RespDouble, RespMap, RespPairs, RespSet, type RespValue, RespVerbatim } from './values.js';

type Shaper = (reply: readonly Reply[], argv: readonly ByteString[]) => RespValue;

function hasOption(argv: readonly ByteString[], option: string, from = 1): boolean {
  for (let i = from; i < argv.length; i++) if ((argv[i] as string).toLowerCase() === option) return true;
  return false;
}

function double(value: Reply): RespValue {
  return typeof value === 'string' ? new RespDouble(value) : value;
}

function pairs(items: readonly Reply[], scored: boolean): RespPairs {
  const out: [RespValue, RespValue][] = [];
  for (let i = 0; i + 1 < items.length; i += 2) {
    out.push([items[i] as Reply, scored ? double(items[i + 1] as Reply) : (items[i + 1] as Reply)]);
  }
  return new RespPairs(out);
}

function map(items: readonly Reply[]): RespMap {
  const entries: [RespValue, RespValue][] = [];
  for (let i = 0; i + 1 < items.length; i += 2) entries.push([items[i] as Reply, items[i + 1] as Reply]);
  return new RespMap(entries);
}

const withScores: Shaper = (reply, argv) => (hasOption(argv, 'withscores', 2) ? pairs(reply, true) : reply);
const popped: Shaper = (reply, argv) =>
  argv.length > 2 ? pairs(reply, true) : reply.map((item, i) => (i === 1 ? double(item) : item));
// ZMPOP/BZMPOP nest their pairs in RESP2 too.
const multiPop: Shaper = (reply) => [
  reply[0] as Reply,
  ((reply[1] as readonly Reply[] | undefined) ?? []).map((pair) =>
    (pair as readonly Reply[]).map((item, i) => (i === 1 ? double(item) : item)),
  ),
];
const streams: Shaper = (reply) =>
  new RespMap(
    reply.map((stream) => [...(stream as readonly Reply[])] as [Reply, Reply]),
    'pairs',
  );
const set: Shaper = (reply) => new RespSet(reply);

/** RESP3 shapes of array replies, per command (Redis 7.0's reply types); RESP2 writes them as flat arrays. */
const ARRAY_SHAPES: Record<string, Shaper> = {
  hgetall: map,
  'config|get': map,
  hrandfield: (reply, argv) => (hasOption(argv, 'withvalues', 3) ? pairs(reply, false) : reply),
  zrange: withScores,
  zrangebyscore: withScores,
  zrevrange: withScores,
  zrevrangebyscore: withScores,
  zunion: withScores,
  zinter: withScores,
  zdiff: withScores,
  zrandmember: withScores,
  zpopmin: popped,
  zpopmax: popped,
  zmscore: (reply) => reply.map(double),
  zmpop: multiPop,
  bzmpop: multiPop,
  bzpopmin: (reply) => reply.map((item, i) => (i === 2 ? double(item) : item)),
  bzpopmax: (reply) => reply.map((item, i) => (i === 2 ? double(item) : item)),
  smembers: set,
  sinter: set,
  sunion: set,
  sdiff: set,
  xread: streams,
  xreadgroup: streams,
};

/** Commands whose "no result" is a null array (`*-1`), not a null bulk string. */
const NULL_ARRAY_COMMANDS = new Set(['lmpop', 'zmpop', 'xread', 'xreadgroup', 'blpop', 'brpop', 'blmpop', 'bzmpop']);
const DOUBLE_COMMANDS = new Set(['zscore', 'zincrby']);
const VERBATIM_COMMANDS = new Set(['info', 'client|info']);

function shapeKey(name: string, argv: readonly ByteString[]): string {
  if (name !== 'config' && name !== 'client') return name;
  return `${name}|${(argv[1] ?? '').toLowerCase()}`;
}

/**
 * The reply of `argv` with the types Redis gives it beyond RESP2's (maps, sets, doubles, null
 * arrays, verbatim text): the writer sends them in RESP3 and flattens them for RESP2.
 */
export function shapeReply(argv: readonly ByteString[], reply: Reply): RespValue {
  if (reply instanceof ReplyError) return reply;
  const key = shapeKey((argv[0] ?? '').toLowerCase(), argv);
  if (reply === null) return NULL_ARRAY_COMMANDS.has(key) ? NULL_ARRAY : null;
  if (typeof reply === 'string') {
    if (DOUBLE_COMMANDS.has(key)) return new RespDouble(reply);
    return VERBATIM_COMMANDS.has(key) ? new RespVerbatim('txt', reply) : reply;
  }
  if (!Array.isArray(reply)) return reply;
  const shaper = ARRAY_SHAPES[key];
  return shaper === undefined ? reply : shaper(reply as readonly Reply[], argv);
}
