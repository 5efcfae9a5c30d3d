import { type ByteString, findCommandFacts, type CommandFacts } from '@meridian/engine';
import type { Access } from './auth.js';

/** Why a command cannot be sent over REST at all, from the command table's facts. */
function unsupportedOverRest(facts: CommandFacts, argv: readonly ByteString[]): string | undefined {
  const name = facts.name;
  if (facts.isTransactionControl) {
    return `ERR '${name}' is not supported over REST: send the commands to /multi-exec instead`;
  }
  if (facts.needsConnection && facts.isPubsub) {
    if (name.includes('unsubscribe')) {
      return `ERR '${name}' is not supported over REST: close the event stream to unsubscribe`;
    }
    return `ERR '${name}' is not supported as a command over REST: use POST /${name === 'ssubscribe' ? 'subscribe' : name}/<channel> with Accept: text/event-stream`;
  }
  if (facts.needsConnection) return `ERR '${name}' is not supported as a command over REST: use POST /${name}`;
  if (facts.blocks(argv)) return `ERR blocking command '${name}' is not supported over REST`;
  return undefined;
}

/**
 * Why this command may not run over REST with this access, or undefined when it may.
 * Unknown commands pass: the engine answers them with Redis's own error.
 */
export function commandRefusal(argv: readonly ByteString[], access: Access): string | undefined {
  const first = argv[0];
  if (first === undefined) return undefined;
  const facts = findCommandFacts(first);
  if (facts === undefined) return undefined;
  const unsupported = unsupportedOverRest(facts, argv);
  if (unsupported !== undefined || access === 'standard') return unsupported;
  return facts.refusedToReadonly ? `NOPERM this user has no permissions to run the '${facts.name}' command` : undefined;
}
