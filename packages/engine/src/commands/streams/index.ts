import type { CommandSpec } from '../../command.js';

export const streamCommands: readonly CommandSpec[] = [];
