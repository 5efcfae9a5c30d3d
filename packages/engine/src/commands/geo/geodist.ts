import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { ERR_SYNTAX } from '../../errors.js';
import { CommandError } from '../../reply.js';
import { formatDistance, memberPosition, parseUnit, readGeoSet } from './geo-access.js';
import { distance } from './geohash.js';

/** GEODIST key member1 member2 [M|KM|FT|MI]: `%.4f` of the haversine distance, nil when either is missing. */
export const geodist = defineCommand({
  name: 'geodist',
  arity: -4,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    let toMeters = 1;
    if (argv.length === 5) toMeters = parseUnit(argv[4] as ByteString);
    else if (argv.length > 5) throw new CommandError(ERR_SYNTAX);
    const zset = readGeoSet(ctx, argv[1] as ByteString);
    if (zset === undefined) return null;
    const first = memberPosition(zset, argv[2] as ByteString);
    const second = memberPosition(zset, argv[3] as ByteString);
    if (first === undefined || second === undefined) return null;
    return formatDistance(distance(first[0], first[1], second[0], second[1]) / toMeters);
  },
});
