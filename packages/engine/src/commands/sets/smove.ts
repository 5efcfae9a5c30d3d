import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { SetValue } from '../../types/set.js';
import { writableSet } from './set-access.js';

/** SMOVE source destination member: 1 when member was moved (or is already in source = destination), else 0. */
export const smove = defineCommand({
  name: 'smove',
  arity: 4,
  flags: ['write'],
  firstKey: 1,
  lastKey: 2,
  keyStep: 1,
  handler: (ctx, argv) => {
    const source = argv[1] as ByteString;
    const destination = argv[2] as ByteString;
    const member = argv[3] as ByteString;
    const sourceValue = ctx.lookup(source);
    const destinationValue = ctx.lookup(destination);
    if (sourceValue === undefined) return 0;
    const sourceSet = writableSet(ctx, source) as SetValue;
    let destinationSet = destinationValue === undefined ? undefined : writableSet(ctx, destination);
    if (source === destination) return sourceSet.has(member) ? 1 : 0;
    if (!sourceSet.remove(member)) return 0;
    if (sourceSet.size === 0) ctx.deleteKey(source);
    if (destinationSet === undefined) {
      destinationSet = new SetValue();
      ctx.addKey(destination, destinationSet);
    }
    destinationSet.add(member);
    ctx.propagateAsIs();
    return 1;
  },
});
