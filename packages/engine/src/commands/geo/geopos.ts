import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { coordinatesReply, memberPosition, readGeoSet } from './geo-access.js';

/** GEOPOS key [member …]: [longitude, latitude] of each member's cell centre, nil when missing. */
export const geopos = defineCommand({
  name: 'geopos',
  arity: -2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const zset = readGeoSet(ctx, argv[1] as ByteString);
    return argv.slice(2).map((member) => {
      const position = memberPosition(zset, member);
      return position === undefined ? null : coordinatesReply(position);
    });
  },
});
