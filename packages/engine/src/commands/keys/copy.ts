import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { ERR_SYNTAX } from '../../errors.js';
import { CommandError } from '../../reply.js';
import { HashValue } from '../../types/hash.js';
import { trackFieldTtls } from '../hashes/hash-access.js';
import { ERR_DB_INDEX_RANGE, parseDbIndex } from '../server/db-index.js';
import { cloneValue } from './clone.js';

/** The REPLACE flag of COPY's options; DB must name database 0, the only one. */
function parseCopyOptions(argv: readonly ByteString[]): { replace: boolean } {
  let replace = false;
  for (let i = 3; i < argv.length; i++) {
    const option = (argv[i] as ByteString).toLowerCase();
    if (option === 'replace') {
      replace = true;
    } else if (option === 'db' && i + 1 < argv.length) {
      if (parseDbIndex(argv[i + 1] as ByteString) !== 0) throw new CommandError(ERR_DB_INDEX_RANGE);
      i++;
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  return { replace };
}

/**
 * COPY source destination [DB 0] [REPLACE]: 1 when copied (value and TTL), 0 when the source is
 * missing or the destination exists without REPLACE. Copying a key onto itself answers 0, as
 * Upstash does (Redis refuses it). Deterministic given the keyspace, so replicated as is.
 */
export const copy = defineCommand({
  name: 'copy',
  arity: -3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 2,
  keyStep: 1,
  handler: (ctx, argv) => {
    const source = argv[1] as ByteString;
    const destination = argv[2] as ByteString;
    const { replace } = parseCopyOptions(argv);
    if (source === destination) return 0;
    const value = ctx.lookupRead(source);
    if (value === undefined) return 0;
    const expiresAtMs = ctx.getExpireAtMs(source);
    if (ctx.lookup(destination) !== undefined) {
      if (!replace) return 0;
      ctx.deleteKey(destination);
    }
    const copied = cloneValue(value);
    ctx.setKey(destination, copied);
    if (expiresAtMs !== undefined) ctx.setExpireAtMs(destination, expiresAtMs);
    if (copied instanceof HashValue) trackFieldTtls(ctx, destination, copied);
    ctx.propagateAsIs();
    return 1;
  },
});
