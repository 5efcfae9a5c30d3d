import type { CommandSpec } from '../../command.js';

export const zsetCommands: readonly CommandSpec[] = [];
