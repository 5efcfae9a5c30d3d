import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { wrongArity } from '../../errors.js';
import { CommandError } from '../../reply.js';
import { hashForWrite } from './hash-access.js';

/**
 * Sets the field/value pairs from argv[2] on (dropping their TTLs); returns how many fields are
 * new. The command is deterministic, so it replicates as is.
 */
export function setFieldPairs(ctx: ExecContext, argv: readonly ByteString[]): number {
  if (argv.length % 2 === 1) throw new CommandError(wrongArity(argv[0] ?? ''));
  const created = hashForWrite(ctx, argv[1] as ByteString).setFields(argv, 2);
  ctx.propagateAsIs();
  return created;
}

/** HSET key field value [field value …]: the number of fields added. */
export const hset = defineCommand({
  name: 'hset',
  arity: -4,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => setFieldPairs(ctx, argv),
});
