import type { CommandSpec } from '../../command.js';
import { psubscribe } from './psubscribe.js';
import { publish } from './publish.js';
import { pubsub } from './pubsub.js';
import { punsubscribe } from './punsubscribe.js';
import { subscribe } from './subscribe.js';
import { unsubscribe } from './unsubscribe.js';

export const pubsubCommands: readonly CommandSpec[] = [
  publish,
  pubsub,
  subscribe,
  psubscribe,
  unsubscribe,
  punsubscribe,
];
