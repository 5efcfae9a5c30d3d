import type { CommandSpec } from '../../command.js';

export const listCommands: readonly CommandSpec[] = [];
