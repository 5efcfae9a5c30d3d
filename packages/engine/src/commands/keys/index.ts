import type { CommandSpec } from '../../command.js';
import { del } from './del.js';

export const keyCommands: readonly CommandSpec[] = [del];
