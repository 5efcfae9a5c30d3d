/**
 * Differential testing against a real redis-server: the same commands go to our engine and to the
 * oracle, and every reply (error texts included) must be equal after normalizeReply.
 */
import { Engine } from '@meridian/engine';
import { normalizeReply, type Oracle } from './oracle.js';

export interface Mismatch {
  index: number;
  argv: readonly string[];
  ours: unknown;
  redis: unknown;
}

/**
 * Sends `commands` to a fresh engine and to the oracle (flushed first); returns the first mismatch.
 * `normalize` may rewrite both replies of a command before comparing (e.g. to sort unordered output).
 */
export async function firstMismatch(
  oracle: Oracle,
  commands: readonly (readonly string[])[],
  normalize: (argv: readonly string[], reply: unknown) => unknown = (_argv, reply) => reply,
  makeEngine: () => Engine = () => new Engine({ role: 'primary' }),
): Promise<Mismatch | undefined> {
  await oracle.client.send(['FLUSHALL']);
  const engine = makeEngine();
  for (let index = 0; index < commands.length; index++) {
    const argv = commands[index] as readonly string[];
    const ours = normalize(argv, normalizeReply(engine.execute(argv, Date.now()).reply));
    const redis = normalize(argv, normalizeReply(await oracle.client.send(argv)));
    if (JSON.stringify(ours) !== JSON.stringify(redis)) return { index, argv, ours, redis };
  }
  return undefined;
}
