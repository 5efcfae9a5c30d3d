import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { OK } from '../../reply.js';
import { readString } from '../strings/string-access.js';
import { Hll, REGISTERS, emptyRegisters } from './hll.js';

/**
 * PFMERGE destkey [sourcekey …]: destkey becomes the union of itself and the sources, dense when
 * any input is dense (as Redis does). Deterministic given the keyspace, so replicated as is.
 */
export const pfmerge = defineCommand({
  name: 'pfmerge',
  arity: -2,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: -1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const registers = emptyRegisters();
    let useDense = false;
    for (let i = 1; i < argv.length; i++) {
      const value = readString(ctx, argv[i] as ByteString);
      if (value === undefined) continue;
      const hll = Hll.parse(value);
      if (hll.isDense) useDense = true;
      hll.mergeInto(registers);
    }
    const destination = argv[1] as ByteString;
    const current = readString(ctx, destination);
    const target = current === undefined ? Hll.empty() : Hll.parse(current);
    if (useDense) target.toDense();
    for (let i = 0; i < REGISTERS; i++) {
      const value = registers[i] as number;
      if (value !== 0) target.set(i, value);
    }
    target.invalidateCache();
    if (current === undefined) ctx.addKey(destination, target.toByteString());
    else ctx.setKey(destination, target.toByteString(), true);
    ctx.propagateAsIs();
    return OK;
  },
});
