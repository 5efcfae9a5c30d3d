import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { memberPosition, readGeoSet } from './geo-access.js';
import { geohashText } from './geohash.js';

/** GEOHASH key [member …]: the standard 11-character geohash of each member, nil when missing. */
export const geohash = defineCommand({
  name: 'geohash',
  arity: -2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const zset = readGeoSet(ctx, argv[1] as ByteString);
    return argv.slice(2).map((member) => {
      const position = memberPosition(zset, member);
      return position === undefined ? null : geohashText(position[0], position[1]);
    });
  },
});
