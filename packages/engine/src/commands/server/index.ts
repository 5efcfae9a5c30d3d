import type { CommandSpec } from '../../command.js';
import { command } from './command.js';
import { config } from './config.js';
import { dbsize } from './dbsize.js';
import { echo } from './echo.js';
import { flushall } from './flushall.js';
import { flushdb } from './flushdb.js';
import { info } from './info.js';
import { lastsave } from './lastsave.js';
import { memory } from './memory.js';
import { ping } from './ping.js';
import { select } from './select.js';
import { swapdb } from './swapdb.js';
import { time } from './time.js';
import { wait } from './wait.js';

export const serverCommands: readonly CommandSpec[] = [
  ping,
  echo,
  time,
  info,
  dbsize,
  flushdb,
  flushall,
  select,
  swapdb,
  config,
  command,
  lastsave,
  memory,
  wait,
];
