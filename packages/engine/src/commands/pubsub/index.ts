import type { CommandSpec } from '../../command.js';
import { publish } from './publish.js';
import { pubsub } from './pubsub.js';

export const pubsubCommands: readonly CommandSpec[] = [publish, pubsub];
