import type { CommandSpec } from '../../command.js';
import { echo } from './echo.js';
import { ping } from './ping.js';

export const serverCommands: readonly CommandSpec[] = [ping, echo];
