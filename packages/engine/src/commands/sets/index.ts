import type { CommandSpec } from '../../command.js';

export const setCommands: readonly CommandSpec[] = [];
