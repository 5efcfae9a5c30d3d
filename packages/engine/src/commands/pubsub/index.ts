import type { CommandSpec } from '../../command.js';

export const pubsubCommands: readonly CommandSpec[] = [];
