import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { ERR_SYNTAX } from '../../errors.js';
import { CommandError } from '../../reply.js';
import { zaddCommand } from '../zsets/zadd-generic.js';
import { parseLongLat } from './geo-access.js';
import { STEP_MAX, align52, encodeWGS84 } from './geohash.js';

/**
 * GEOADD key [NX|XX] [CH] longitude latitude member …: ZADD of each member's 52-bit geohash score,
 * as Redis rewrites it. Deterministic, so replicated as is.
 */
export const geoadd = defineCommand({
  name: 'geoadd',
  arity: -5,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    let longIndex = 2;
    let nx = false;
    let xx = false;
    for (; longIndex < argv.length; longIndex++) {
      const option = (argv[longIndex] as ByteString).toLowerCase();
      if (option === 'nx') nx = true;
      else if (option === 'xx') xx = true;
      else if (option !== 'ch') break;
    }
    if ((argv.length - longIndex) % 3 !== 0 || (xx && nx)) throw new CommandError(ERR_SYNTAX);
    const zaddArgv: ByteString[] = ['zadd', ...argv.slice(1, longIndex)];
    for (let i = longIndex; i < argv.length; i += 3) {
      const [longitude, latitude] = parseLongLat(argv[i] as ByteString, argv[i + 1] as ByteString);
      const hash = encodeWGS84(longitude, latitude, STEP_MAX);
      zaddArgv.push(String(hash === undefined ? 0 : align52(hash)), argv[i + 2] as ByteString);
    }
    return zaddCommand(ctx, zaddArgv, false);
  },
});
