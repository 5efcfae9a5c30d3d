import { defineCommand, type CommandSpec } from '../../command.js';
import { CommandError } from '../../reply.js';

/**
 * SUBSCRIBE and its kin need a connection that stays open; a REST call answers once. Subscribing
 * is done on the event-stream paths or the WebSocket endpoint instead, which this error names.
 */
export function subscriptionCommand(name: string, arity: number): CommandSpec {
  const upper = name.toUpperCase();
  const how = name.includes('unsubscribe')
    ? 'close the event stream, or send {"op":"' + name + '"} on the /_meridian/pubsub WebSocket'
    : `use POST /${name}/<channel> with Accept: text/event-stream, or the /_meridian/pubsub WebSocket`;
  return defineCommand({
    name,
    arity,
    flags: ['pubsub', 'noscript'],
    facts: ['connection'],
    handler: () => {
      throw new CommandError(`ERR ${upper} needs a subscriber connection, which a command cannot open: ${how}`);
    },
  });
}
