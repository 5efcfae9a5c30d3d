import type { CommandSpec } from '../../command.js';
import { client } from './client.js';

export const connectionCommands: readonly CommandSpec[] = [client];
