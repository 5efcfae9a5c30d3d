import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { writableString } from '../strings/string-access.js';
import { Hll } from './hll.js';

/**
 * PFADD key [element …]: 1 when the key was created or a register changed, else 0. Deterministic
 * given the keyspace, so replicated as is.
 */
export const pfadd = defineCommand({
  name: 'pfadd',
  arity: -2,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const current = writableString(ctx, key);
    const hll = current === undefined ? Hll.empty() : Hll.parse(current);
    let updated = current === undefined;
    for (let i = 2; i < argv.length; i++) {
      if (hll.add(argv[i] as ByteString)) updated = true;
    }
    if (!updated) return 0;
    hll.invalidateCache();
    if (current === undefined) ctx.addKey(key, hll.toByteString());
    else ctx.setKey(key, hll.toByteString(), true);
    ctx.propagateAsIs();
    return 1;
  },
});
