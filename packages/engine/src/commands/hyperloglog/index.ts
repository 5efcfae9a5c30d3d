import type { CommandSpec } from '../../command.js';
import { pfadd } from './pfadd.js';
import { pfcount } from './pfcount.js';
import { pfmerge } from './pfmerge.js';

export const hyperloglogCommands: readonly CommandSpec[] = [pfadd, pfcount, pfmerge];
